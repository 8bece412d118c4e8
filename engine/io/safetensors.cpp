#include "io/safetensors.hpp"

#include <cstring>
#include <nlohmann/json.hpp>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace vkvae::io {
namespace {

using nlohmann::json;

int64_t element_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "U8" || dtype == "I8" || dtype == "BOOL") return 1;
  return 0;
}

// Header sizes beyond this are corrupt, not checkpoints (safetensors itself caps at 100 MB).
constexpr uint64_t kMaxHeader = 100u << 20;

}  // namespace

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

const NamedTensor* SafeTensors::find(const std::string& name) const {
  for (const NamedTensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<float> SafeTensors::f32(const std::string& name, const std::vector<int64_t>& shape, const std::string& source) const {
  const NamedTensor* t = find(name);
  if (!t) throw Error(source + ": no tensor '" + name + "'; is it a checkpoint of this model?", 2);
  if (t->dtype != "F32" || t->shape != shape) {
    throw Error(source + ": tensor '" + name + "' is " + t->dtype + " " + shape_str(t->shape) + ", expected F32 " + shape_str(shape) +
                "; the checkpoint is of another model or size", 2);
  }
  std::vector<float> values(t->data.size() / 4);
  std::memcpy(values.data(), t->data.data(), t->data.size());
  return values;
}

std::vector<std::byte> encode_safetensors(const SafeTensors& file) {
  json header = json::object();
  uint64_t offset = 0;
  for (const NamedTensor& t : file.tensors) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned
  std::vector<std::byte> bytes(8 + text.size());
  const uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<std::byte>(length >> (8 * i));
  std::memcpy(bytes.data() + 8, text.data(), text.size());
  for (const NamedTensor& t : file.tensors) bytes.insert(bytes.end(), t.data.begin(), t.data.end());
  return bytes;
}

SafeTensors decode_safetensors(const std::vector<std::byte>& bytes, const std::string& source) {
  const auto corrupt = [&](const std::string& what) {
    return Error(source + ": not a valid safetensors file (" + what + "); use a checkpoint vkvae-train wrote", 2);
  };
  if (bytes.size() < 8) throw corrupt("shorter than its 8-byte header length");
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i) length |= static_cast<uint64_t>(bytes[static_cast<std::size_t>(i)]) << (8 * i);
  if (length > kMaxHeader || length > bytes.size() - 8) throw corrupt("header length " + std::to_string(length) + " runs past the file");
  json header;
  try {
    header = json::parse(reinterpret_cast<const char*>(bytes.data()) + 8, reinterpret_cast<const char*>(bytes.data()) + 8 + length);
  } catch (const json::exception&) {
    throw corrupt("its header is not JSON");
  }
  if (!header.is_object()) throw corrupt("its header is not a JSON object");
  const uint64_t data_start = 8 + length, data_size = bytes.size() - data_start;
  SafeTensors file;
  struct Span {
    uint64_t begin, end;
    std::size_t index;
  };
  std::vector<Span> spans;
  try {
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        for (const auto& [key, value] : entry.items()) file.metadata[key] = value.get<std::string>();
        continue;
      }
      NamedTensor t{name, entry.at("dtype").get<std::string>(), entry.at("shape").get<std::vector<int64_t>>(), {}};
      const auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
      const int64_t size = element_size(t.dtype);
      if (size == 0) throw corrupt("tensor '" + name + "' has unknown dtype " + t.dtype);
      uint64_t count = 1;
      for (int64_t d : t.shape) {
        if (d < 0 || d > (int64_t{1} << 40)) throw corrupt("tensor '" + name + "' has a bad shape");
        count *= static_cast<uint64_t>(d);
      }
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size ||
          offsets[1] - offsets[0] != count * static_cast<uint64_t>(size)) {
        throw corrupt("tensor '" + name + "' has data offsets that do not match its shape or the file");
      }
      spans.push_back({offsets[0], offsets[1], file.tensors.size()});
      t.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_start + offsets[0]),
                    bytes.begin() + static_cast<std::ptrdiff_t>(data_start + offsets[1]));
      file.tensors.push_back(std::move(t));
    }
  } catch (const json::exception& e) {
    throw corrupt(std::string("malformed header entry: ") + e.what());
  }
  // The format requires the tensors to tile the data section exactly.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  uint64_t at = 0;
  for (const Span& s : spans) {
    if (s.begin != at) throw corrupt("its tensors overlap or leave holes");
    at = s.end;
  }
  if (at != data_size) throw corrupt("the data section has " + std::to_string(data_size - at) + " bytes no tensor uses");
  std::vector<NamedTensor> ordered;
  for (const Span& s : spans) ordered.push_back(std::move(file.tensors[s.index]));
  file.tensors = std::move(ordered);
  return file;
}

void write_safetensors(const std::filesystem::path& path, const SafeTensors& file) {
  write_file_atomically(path, encode_safetensors(file));
}

SafeTensors read_safetensors(const std::filesystem::path& path, const std::string& source) {
  const std::string name = source.empty() ? path.string() : source;
  return decode_safetensors(read_file(path, name), name);
}

}  // namespace vkvae::io
