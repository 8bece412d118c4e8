#include "data/mnist_files.hpp"

#include <string>
#include <system_error>

#include "util/error.hpp"

namespace vkvae::data {
namespace {

constexpr const char* kFetchHint = "run scripts/fetch-mnist.sh, or point --data at a directory of "
                                   "MNIST-layout IDX files";

std::string hint_for(std::string_view flag) {
  if (flag == "--data") return kFetchHint;
  return "give " + std::string(flag) + " an IDX file or an MNIST-layout directory";
}

std::filesystem::path find_one(const std::filesystem::path& dir, const std::string& name, const std::string& where,
                               std::string_view flag) {
  std::error_code error;
  for (const std::string& candidate : {name, name + ".gz"}) {
    if (std::filesystem::is_regular_file(dir / candidate, error)) return dir / candidate;
  }
  throw UsageError(where + ": no " + name + " (or " + name + ".gz) in it; " + hint_for(flag));
}

std::string check_directory(const std::filesystem::path& dir, std::string_view flag) {
  const std::string where = std::string(flag) + " " + dir.string();
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) throw UsageError(where + ": directory not found; " + hint_for(flag));
  if (!std::filesystem::is_directory(dir, error)) throw UsageError(where + ": not a directory; " + hint_for(flag));
  return where;
}

}  // namespace

MnistFiles find_mnist_files(const std::filesystem::path& dir, std::string_view flag) {
  const std::string where = check_directory(dir, flag);
  return {find_one(dir, "train-images-idx3-ubyte", where, flag), find_one(dir, "train-labels-idx1-ubyte", where, flag),
          find_one(dir, "t10k-images-idx3-ubyte", where, flag), find_one(dir, "t10k-labels-idx1-ubyte", where, flag)};
}

SplitFiles find_split_files(const std::filesystem::path& dir, std::string_view split, std::string_view flag) {
  const std::string where = check_directory(dir, flag);
  const std::string prefix = split == "train" ? "train" : "t10k";
  return {find_one(dir, prefix + "-images-idx3-ubyte", where, flag), find_one(dir, prefix + "-labels-idx1-ubyte", where, flag)};
}

}  // namespace vkvae::data
