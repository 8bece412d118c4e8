// The one order in which a sharded step adds its shards' gradients: a binary tree by doubling
// strides — at stride s, slot i (a multiple of 2s) adds slot i + s — which for any shard count
// is the tree that splits off the largest power of two. Every aligned block of a power-of-two
// number of shards is a node of it, so replicas that each own such a block, add it alone and
// then add the replicas' sums by the same rule produce the very bits one device adding all the
// shards does.
#pragma once

#include <cstdint>
#include <string>

#include "ops/encoder.hpp"

namespace vkvae::train {

// Why `batch` cannot be computed in `shards` shards over `replicas` replicas ("" when it can):
// the shards must be equal and each replica's a power of two.
std::string shard_split_problem(int64_t batch, int64_t shards, int64_t replicas);

// `count` slots `stride_bytes` apart in `slots`: their elements [first, first + elements) summed
// into slot 0's, in the tree's order (the levels separated by barriers; it ends with one).
void record_tree_sum(ops::Encoder& enc, const vk::Buffer& slots, uint32_t count, int64_t first, int64_t elements,
                     VkDeviceSize stride_bytes);

}  // namespace vkvae::train
