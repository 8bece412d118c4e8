// --devices LIST: the devices a data-parallel run trains on, a replica on each.
#pragma once

#include <string>
#include <vector>

namespace vkvae::app {

// "0,1", "0,gtx,0" (an index or a unique part of a name each; one device may be named twice)
// or "all" (every usable device) → one selector a replica, for vk::select_device. Throws
// UsageError naming --devices for an empty entry or list.
std::vector<std::string> device_selectors(const std::string& list);

}  // namespace vkvae::app
