// The Context every benchmark uses: the device named by VKVAE_BENCH_DEVICE (default: the best
// one), no validation layer (it would be measured too).
#pragma once

#include <cstdlib>

#include "vk/context.hpp"

namespace vkvae::bench {

inline vk::ContextOptions context_options() {
  vk::ContextOptions options;
  const char* device = std::getenv("VKVAE_BENCH_DEVICE");
  options.device = device != nullptr ? device : "";
  options.device_flag = "VKVAE_BENCH_DEVICE";
  options.validation = false;
  return options;
}

}  // namespace vkvae::bench
