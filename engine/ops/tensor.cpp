#include "ops/tensor.hpp"

#include "util/error.hpp"

namespace vkvae::ops {

std::size_t dtype_bytes(DType dtype) {
  switch (dtype) {
    case DType::f32:
    case DType::u32: return 4;
    case DType::u8: return 1;
  }
  return 4;
}

Shape::Shape(std::initializer_list<int64_t> dims) {
  if (dims.size() == 0 || dims.size() > kMaxRank) {
    throw Error("a tensor shape has 1 to " + std::to_string(kMaxRank) + " dimensions, not " +
                std::to_string(dims.size()));
  }
  for (int64_t d : dims) dims_[rank_++] = d;
}

int64_t Shape::numel() const {
  if (rank_ == 0) return 0;
  int64_t n = 1;
  for (std::size_t i = 0; i < rank_; ++i) n *= dims_[i];
  return n;
}

bool Shape::operator==(const Shape& other) const {
  if (rank_ != other.rank_) return false;
  for (std::size_t i = 0; i < rank_; ++i) {
    if (dims_[i] != other.dims_[i]) return false;
  }
  return true;
}

std::string Shape::str() const {
  std::string text = "(";
  for (std::size_t i = 0; i < rank_; ++i) text += (i ? ", " : "") + std::to_string(dims_[i]);
  return text + ")";
}

}  // namespace vkvae::ops
