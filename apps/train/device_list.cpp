#include "device_list.hpp"

#include "util/error.hpp"
#include "vk/device_info.hpp"
#include "vk/instance.hpp"

namespace vkvae::app {

std::vector<std::string> device_selectors(const std::string& list) {
  std::vector<std::string> selectors;
  if (list == "all") {
    vk::InstanceOptions options;
    options.validation = false;  // only to count the devices
    const vk::Instance instance(options);
    for (const vk::DeviceInfo& device : vk::enumerate_devices(instance.handle())) {
      if (device.usable()) selectors.push_back(std::to_string(device.index));
    }
    if (selectors.empty()) throw UsageError("--devices all: no usable Vulkan device; see --list-devices");
    return selectors;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    std::string entry = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::size_t first = entry.find_first_not_of(' '), last = entry.find_last_not_of(' ');
    entry = first == std::string::npos ? "" : entry.substr(first, last - first + 1);
    if (entry.empty()) {
      throw UsageError("--devices '" + list + "': an empty entry; give device indexes or names separated by commas (e.g. 0,1), or all");
    }
    selectors.push_back(entry);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (selectors.size() > 64) throw UsageError("--devices '" + list + "': at most 64 devices");
  return selectors;
}

}  // namespace vkvae::app
