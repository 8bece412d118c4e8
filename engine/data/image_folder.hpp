// Image folders as torchvision's ImageFolder lays them out: a split directory holds one folder
// per class (classes sorted by name) of PNG or JPEG files, or the files themselves (an unlabeled
// split). Files are taken in name order.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/convert.hpp"
#include "data/idx.hpp"

namespace vkvae::data {

// Loads one split directory. Every image must have the size and channel count of the first,
// unless `format` sets them. Throws UsageError naming the file or folder at fault: an empty
// class folder, no images at all, an unreadable image, a size or channel count that differs.
// `classes`: the class names to label by (a test split takes the train split's); empty: the
// split's own.
Dataset load_image_folder(const std::filesystem::path& dir, const ImageFormat& format, const std::vector<std::string>& classes = {});

// The class folders of a split directory, sorted: the classes' names.
std::vector<std::string> class_folder_names(const std::filesystem::path& dir);

// Whether `dir` holds image folders: a train/ directory.
bool is_image_folder_root(const std::filesystem::path& dir);

}  // namespace vkvae::data
