// The other processes of a run launched as several ranks (mpirun -np N vkvae-train …): what
// data-parallel training needs from them, whatever carries it (engine/mpi/mpi_peers.hpp). Rank 0
// leads: it owns the run directory and tells the others every change it makes to the training
// state (train/session.hpp); every rank trains its shards of each step on its own device, and
// the ranks' gradient sums meet in all_gather.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace vkvae::train {

class Peers {
 public:
  virtual ~Peers() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every rank's `block` (of one size on every rank) into `gathered` (size() blocks), in rank
  // order. Throws vkvae::Error naming the wait when the others do not come in time (a rank that
  // died or hung): no rank waits forever.
  virtual void all_gather(std::span<const std::byte> block, std::span<std::byte> gathered) = 0;
  // Rank 0's `bytes` to every rank: sent from rank 0, and on the others replaced by what it
  // sent. Throws like all_gather, after a longer wait (rank 0 evaluates and writes between its
  // orders).
  virtual void broadcast(std::vector<std::byte>& bytes) = 0;
};

}  // namespace vkvae::train
