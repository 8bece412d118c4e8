// The order 0, 1, 2, … of `rows` rows: what a gather reads when the data goes in sequence (a
// test set, a streamed ring, the images an inference command was given).
#pragma once

#include <cstdint>
#include <numeric>
#include <vector>

namespace vkvae {

inline std::vector<uint32_t> identity_order(int64_t rows) {
  std::vector<uint32_t> order(static_cast<std::size_t>(rows));
  std::iota(order.begin(), order.end(), 0u);
  return order;
}

}  // namespace vkvae
