#include "train/gradient_tree.hpp"

#include <bit>

#include "ops/data.hpp"

namespace vkvae::train {

std::string shard_split_problem(int64_t batch, int64_t shards, int64_t replicas) {
  if (shards < 1 || batch % shards != 0) {
    return "the batch of " + std::to_string(batch) + " does not split into " + std::to_string(shards) +
           " equal shards; use a batch that is a multiple of the shards";
  }
  if (replicas < 1 || shards % replicas != 0 || !std::has_single_bit(static_cast<uint64_t>(shards / replicas))) {
    return std::to_string(shards) + " shards do not spread over " + std::to_string(replicas) +
           " devices as a power of two each (1, 2, 4…); name a device count that does, or change the shards";
  }
  return "";
}

void record_tree_sum(ops::Encoder& enc, const vk::Buffer& slots, uint32_t count, int64_t first, int64_t elements,
                     VkDeviceSize stride_bytes) {
  const auto slot = [&](uint32_t i) {
    return ops::Tensor{&slots, i * stride_bytes + static_cast<VkDeviceSize>(first) * sizeof(float), {elements}};
  };
  for (uint32_t stride = 1; stride < count; stride *= 2) {
    for (uint32_t i = 0; i + stride < count; i += 2 * stride) ops::axpy(enc, slot(i), 1.0f, slot(i + stride));
    enc.barrier();
  }
}

}  // namespace vkvae::train
