#include "vk/timestamps.hpp"

#include <string>

#include "util/error.hpp"
#include "vk/check.hpp"
#include "vk/device.hpp"

namespace vkvae::vk {

TimestampQueries::TimestampQueries(const Device& device, uint32_t count)
    : device_(device.handle()),
      count_(count),
      period_ns_(static_cast<double>(device.info().timestamp_period_ns)) {
  const DeviceInfo& info = device.info();
  if (!info.timestamps) {
    throw Error("device " + info.name + " cannot write timestamps on its compute queue; "
                "GPU timings are unavailable there");
  }
  if (count == 0) throw Error("a timestamp pool needs at least one query");
  mask_ = info.timestamp_valid_bits >= 64 ? ~uint64_t{0}
                                          : (uint64_t{1} << info.timestamp_valid_bits) - 1;
  VkQueryPoolCreateInfo create{};
  create.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
  create.queryType = VK_QUERY_TYPE_TIMESTAMP;
  create.queryCount = count;
  VkQueryPool pool = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreateQueryPool(device_, &create, nullptr, &pool));
  pool_ = OwnedQueryPool(device_, pool);
}

std::vector<double> TimestampQueries::read_ns(uint32_t first, uint32_t n) const {
  if (first + n > count_) {
    throw Error("timestamp queries " + std::to_string(first) + ".." + std::to_string(first + n) +
                " past the pool's " + std::to_string(count_));
  }
  std::vector<uint64_t> ticks(n);
  VKVAE_CHECK(vkGetQueryPoolResults(device_, pool_.get(), first, n, n * sizeof(uint64_t),
                                    ticks.data(), sizeof(uint64_t),
                                    VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
  std::vector<double> ns(n);
  for (uint32_t i = 0; i < n; ++i) ns[i] = static_cast<double>(ticks[i] & mask_) * period_ns_;
  return ns;
}

}  // namespace vkvae::vk
