#include "mpi/mpi_peers.hpp"

#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>

#include "util/error.hpp"

namespace vkvae::mpi {
namespace {

std::string seconds(std::chrono::milliseconds t) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(t.count()) / 1000.0);
  return text;
}

// Polls `request` until it completes or `timeout` passes. The polls sleep a little between
// them: the device (lavapipe: the same CPU cores) needs the time more than the wait does.
void wait(MPI_Request& request, std::chrono::milliseconds timeout, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int polls = 0;; ++polls) {
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error("waited more than " + seconds(timeout) + " s for " + what +
                  "; a rank has died or hung, so the job ends (its last checkpoint is intact)");
    }
    if (polls > 100) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

int byte_count(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX)) throw Error("internal: an MPI message of " + std::to_string(bytes) + " bytes is too large");
  return static_cast<int>(bytes);
}

}  // namespace

bool launched_as_ranks() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && std::atoi(value) > 1) return true;
  }
  return false;
}

MpiPeers::MpiPeers(int& argc, char**& argv, std::chrono::milliseconds exchange_timeout, std::chrono::milliseconds order_timeout)
    : exchange_timeout_(exchange_timeout), order_timeout_(order_timeout) {
  int provided = 0;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) throw Error("MPI_Init failed; is this an MPI launch?");
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &local_rank_);
  MPI_Comm_free(&node);
}

MpiPeers::~MpiPeers() {
  if (std::uncaught_exceptions() == 0) MPI_Finalize();
}

void MpiPeers::all_gather(std::span<const std::byte> block, std::span<std::byte> gathered) {
  if (gathered.size() != block.size() * static_cast<std::size_t>(size_)) throw Error("internal: all_gather into a buffer of another size");
  MPI_Request request;
  const int count = byte_count(block.size());
  MPI_Iallgather(block.data(), count, MPI_BYTE, gathered.data(), count, MPI_BYTE, MPI_COMM_WORLD, &request);
  wait(request, exchange_timeout_, "the other ranks' part of a step (MPI_Iallgather)");
}

void MpiPeers::broadcast(std::vector<std::byte>& bytes) {
  uint64_t size = bytes.size();
  MPI_Request request;
  MPI_Ibcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD, &request);
  wait(request, order_timeout_, "rank 0's next order (MPI_Ibcast)");
  if (rank_ != 0) bytes.resize(size);
  if (size == 0) return;
  MPI_Ibcast(bytes.data(), byte_count(bytes.size()), MPI_BYTE, 0, MPI_COMM_WORLD, &request);
  wait(request, order_timeout_, "rank 0's next order (MPI_Ibcast)");
}

}  // namespace vkvae::mpi
