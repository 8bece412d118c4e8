// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
// tensor name to {dtype, shape, data_offsets} (offsets relative to the data section, which
// follows the header with no holes) plus an optional "__metadata__" of strings, then the raw
// little-endian row-major data. Readable by safetensors.torch.load_file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace vkvae::io {

struct NamedTensor {
  std::string name;
  std::string dtype;           // "F32", "U32", "U8", …
  std::vector<int64_t> shape;  // row-major
  std::vector<std::byte> data;
};

struct SafeTensors {
  std::vector<NamedTensor> tensors;  // in file order
  std::map<std::string, std::string> metadata;

  const NamedTensor* find(const std::string& name) const;
  // The tensor called `name` as f32 values, checked against `shape`; throws vkvae::Error naming
  // `source` (the file) when it is missing or differs.
  std::vector<float> f32(const std::string& name, const std::vector<int64_t>& shape, const std::string& source) const;
};

std::vector<std::byte> encode_safetensors(const SafeTensors& file);
// Throws vkvae::Error naming `source` when the bytes are not a well-formed safetensors file.
SafeTensors decode_safetensors(const std::vector<std::byte>& bytes, const std::string& source);

// Whole-file helpers: the write is atomic (util/atomic_file).
void write_safetensors(const std::filesystem::path& path, const SafeTensors& file);
// `source` names the file in errors (e.g. "--init FILE"); by default its path.
SafeTensors read_safetensors(const std::filesystem::path& path, const std::string& source = {});

std::string shape_str(const std::vector<int64_t>& shape);

}  // namespace vkvae::io
