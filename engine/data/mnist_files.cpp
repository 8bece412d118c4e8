#include "data/mnist_files.hpp"

#include <string>
#include <system_error>

#include "util/error.hpp"

namespace vkvae::data {
namespace {

constexpr const char* kFetchHint = "run scripts/fetch-mnist.sh, or point --data at a directory of "
                                   "MNIST-layout IDX files";

std::filesystem::path find_one(const std::filesystem::path& dir, const std::string& name,
                               const std::string& where) {
  std::error_code error;
  for (const std::string& candidate : {name, name + ".gz"}) {
    if (std::filesystem::is_regular_file(dir / candidate, error)) return dir / candidate;
  }
  throw UsageError(where + ": no " + name + " (or " + name + ".gz) in it; " + kFetchHint);
}

}  // namespace

MnistFiles find_mnist_files(const std::filesystem::path& dir, std::string_view flag) {
  const std::string where = std::string(flag) + " " + dir.string();
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) {
    throw UsageError(where + ": directory not found; " + kFetchHint);
  }
  if (!std::filesystem::is_directory(dir, error)) {
    throw UsageError(where + ": not a directory; " + kFetchHint);
  }
  return {find_one(dir, "train-images-idx3-ubyte", where),
          find_one(dir, "train-labels-idx1-ubyte", where),
          find_one(dir, "t10k-images-idx3-ubyte", where),
          find_one(dir, "t10k-labels-idx1-ubyte", where)};
}

}  // namespace vkvae::data
