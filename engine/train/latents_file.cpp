#include "train/latents_file.hpp"

#include <cmath>
#include <cstring>

#include "io/safetensors.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

template <typename T>
io::NamedTensor named(const std::string& name, const std::string& dtype, std::vector<int64_t> shape, std::span<const T> values) {
  const auto bytes = std::as_bytes(values);
  return {name, dtype, std::move(shape), std::vector<std::byte>(bytes.begin(), bytes.end())};
}

}  // namespace

void write_latents(const std::filesystem::path& path, const Latents& latents, std::span<const uint8_t> labels,
                   const std::map<std::string, std::string>& metadata) {
  io::SafeTensors file;
  const std::vector<int64_t> shape = {latents.count(), latents.latent};
  file.tensors.push_back(named("mu", "F32", shape, std::span<const float>(latents.mu)));
  file.tensors.push_back(named("logvar", "F32", shape, std::span<const float>(latents.logvar)));
  if (!labels.empty()) file.tensors.push_back(named("labels", "U8", {static_cast<int64_t>(labels.size())}, labels));
  file.metadata = metadata;
  io::write_safetensors(path, file);
}

LatentCodes read_latents(const std::filesystem::path& path, const std::string& tensor, int64_t latent, const std::string& label) {
  const io::SafeTensors file = io::read_safetensors(path, label);
  const io::NamedTensor* t = file.find(tensor);
  if (!t) {
    std::string names;
    for (const io::NamedTensor& n : file.tensors) names += (names.empty() ? "" : ", ") + n.name;
    throw UsageError(label + ": no tensor '" + tensor + "' (it holds " + (names.empty() ? "none" : names) + "); name one with --tensor");
  }
  if (t->dtype != "F32" || t->shape.size() != 2 || t->shape[1] != latent || t->shape[0] < 1) {
    throw UsageError(label + ": tensor '" + tensor + "' is " + t->dtype + " " + io::shape_str(t->shape) + "; this model decodes F32 (N, " +
                     std::to_string(latent) + ")");
  }
  LatentCodes codes;
  codes.count = t->shape[0];
  codes.z.resize(t->data.size() / sizeof(float));
  std::memcpy(codes.z.data(), t->data.data(), t->data.size());
  for (std::size_t i = 0; i < codes.z.size(); ++i) {
    if (!std::isfinite(codes.z[i])) {
      throw UsageError(label + ": tensor '" + tensor + "' element " + std::to_string(i) + " is not finite");
    }
  }
  if (const io::NamedTensor* l = file.find("labels")) {
    if (l->dtype != "U8" || l->shape != std::vector<int64_t>{codes.count}) {
      throw UsageError(label + ": tensor 'labels' is " + l->dtype + " " + io::shape_str(l->shape) + "; expected U8 (" +
                       std::to_string(codes.count) + ")");
    }
    codes.labels.assign(reinterpret_cast<const uint8_t*>(l->data.data()), reinterpret_cast<const uint8_t*>(l->data.data()) + l->data.size());
  }
  return codes;
}

}  // namespace vkvae::train
