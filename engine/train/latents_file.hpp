// Latent codes as a safetensors file that safetensors.numpy / safetensors.torch load as they are:
//   mu      F32 (N, latent)  the means of q(z|x)
//   logvar  F32 (N, latent)  their log variances
//   labels  U8  (N)          the images' labels, where the data has them
// and metadata naming the checkpoint, the model and the images encoded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "train/applications.hpp"

namespace vkvae::train {

void write_latents(const std::filesystem::path& path, const Latents& latents, std::span<const uint8_t> labels,
                   const std::map<std::string, std::string>& metadata);

struct LatentCodes {
  int64_t count = 0;
  std::vector<float> z;         // count × latent
  std::vector<uint8_t> labels;  // count, or empty when the file has none
};
// The F32 (N, latent) tensor `tensor` of a safetensors file (and its labels, if any). Throws a
// UsageError naming the file as `label` when it is missing, of another shape or not finite.
LatentCodes read_latents(const std::filesystem::path& path, const std::string& tensor, int64_t latent, const std::string& label);

}  // namespace vkvae::train
