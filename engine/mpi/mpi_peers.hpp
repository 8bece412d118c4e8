// Peers over MPI (Open MPI from Debian): the ranks of MPI_COMM_WORLD. Collectives are
// non-blocking calls polled against a deadline, so that a rank that died or hung ends the others'
// waits with an error instead of a hang.
#pragma once

#include <chrono>

#include "train/peers.hpp"

namespace vkvae::mpi {

// Whether this process was started by mpirun (or another MPI launcher) as one of several ranks.
bool launched_as_ranks();

class MpiPeers final : public train::Peers {
 public:
  // MPI_Init; `exchange_timeout` bounds every all_gather, `order_timeout` every broadcast.
  MpiPeers(int& argc, char**& argv, std::chrono::milliseconds exchange_timeout, std::chrono::milliseconds order_timeout);
  // MPI_Finalize (after a clean end; a process ending by an error leaves without it, and the
  // launcher takes the other ranks down).
  ~MpiPeers() override;
  MpiPeers(const MpiPeers&) = delete;
  MpiPeers& operator=(const MpiPeers&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  // This rank's place among the ranks on its machine (for its default device).
  int local_rank() const { return local_rank_; }
  void all_gather(std::span<const std::byte> block, std::span<std::byte> gathered) override;
  void broadcast(std::vector<std::byte>& bytes) override;

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0;
  std::chrono::milliseconds exchange_timeout_, order_timeout_;
};

}  // namespace vkvae::mpi
