// A tensor on the device: a byte range of a buffer, a shape and an element type. Row-major,
// NCHW for images. Tensors do not own memory; the memory planner (or a test) does.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "vk/buffer.hpp"
#include "vk/commands.hpp"

namespace vkvae::ops {

enum class DType : uint8_t { f32, u32, u8 };

std::size_t dtype_bytes(DType dtype);

class Shape {
 public:
  static constexpr std::size_t kMaxRank = 4;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);

  std::size_t rank() const { return rank_; }
  int64_t operator[](std::size_t i) const { return dims_[i]; }
  int64_t numel() const;
  bool operator==(const Shape& other) const;
  std::string str() const;  // "(128, 1, 28, 28)"

 private:
  std::array<int64_t, kMaxRank> dims_{};
  std::size_t rank_ = 0;
};

struct Tensor {
  const vk::Buffer* buffer = nullptr;
  VkDeviceSize offset = 0;  // bytes
  Shape shape;
  DType dtype = DType::f32;

  int64_t numel() const { return shape.numel(); }
  // Bytes a binding covers. u8 tensors are read as 32-bit words, so they round up to 4 and
  // their buffers must hold that padding.
  VkDeviceSize bytes() const {
    const VkDeviceSize raw = static_cast<VkDeviceSize>(numel()) * dtype_bytes(dtype);
    return (raw + 3) / 4 * 4;
  }
  // The binding for a dispatch: exactly this tensor's bytes.
  vk::BufferRange range() const { return {buffer, offset, bytes()}; }
};

}  // namespace vkvae::ops
