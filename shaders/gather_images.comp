#version 450
#extension GL_GOOGLE_include_directive : require
// images (N, D) u8, order (N) u32, cursor (1) u32 → x (B, D) f32: row b is image
// order[cursor + FIRST + b] scaled to [0, 1]; with BINARIZE, 1 where a uniform draw (stream 2,
// element (FIRST + b)·D + d) is below the pixel's intensity, else 0 (dynamic binarization). FIRST
// is the batch's first row in a larger batch it is a shard of (0 for a whole batch). The images come in up to 8 pieces of
// PER images each, one binding a piece, so that a data set larger than one storage-buffer range
// is read where it lies (ops/data.cpp binds them; unused ones repeat the first).

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool BINARIZE = false;
// D a multiple of 4: each invocation gathers the 4 pixels of one word (4× fewer of the loads
// whose addresses differ per lane, and one Philox call for 4 draws).
layout(constant_id = 2) const bool QUADS = false;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer I0_ { uint images0[]; };
layout(std430, set = 0, binding = 1) readonly buffer I1_ { uint images1[]; };
layout(std430, set = 0, binding = 2) readonly buffer I2_ { uint images2[]; };
layout(std430, set = 0, binding = 3) readonly buffer I3_ { uint images3[]; };
layout(std430, set = 0, binding = 4) readonly buffer I4_ { uint images4[]; };
layout(std430, set = 0, binding = 5) readonly buffer I5_ { uint images5[]; };
layout(std430, set = 0, binding = 6) readonly buffer I6_ { uint images6[]; };
layout(std430, set = 0, binding = 7) readonly buffer I7_ { uint images7[]; };
layout(std430, set = 0, binding = 8) readonly buffer O_ { uint order[]; };
layout(std430, set = 0, binding = 9) readonly buffer C_ { uint cursor; };
layout(std430, set = 0, binding = 10) readonly buffer R_ { uvec4 rng; };
layout(std430, set = 0, binding = 11) writeonly buffer X_ { float x[]; };
// The same buffer seen as vec4s: one contiguous store per invocation in the QUADS path (four
// strided scalar stores become per-lane scatters on a SIMD-across-invocations CPU driver).
layout(std430, set = 0, binding = 11) writeonly buffer X4_ { vec4 x4[]; };
layout(push_constant) uniform Push { uint B, D, N, PER, FIRST; };

// Word `w` of piece `piece`: named bindings, so no descriptor indexing is needed.
uint piece_word(uint piece, uint w) {
  switch (piece) {
    case 0u: return images0[w];
    case 1u: return images1[w];
    case 2u: return images2[w];
    case 3u: return images3[w];
    case 4u: return images4[w];
    case 5u: return images5[w];
    case 6u: return images6[w];
    default: return images7[w];
  }
}

// The word holding byte d of image `image`, and that byte's place in it.
uint image_word(uint image, uint d, out uint at) {
  const uint piece = image / PER;
  at = (image - piece * PER) * D + d;
  return piece_word(piece, at >> 2);
}

#include "bytes.glsl"
#include "random.glsl"

void main() {
  if (QUADS) {
    const uint q = linear_invocation();  // x[4q … 4q+3], one row's word
    if (q >= B * D / 4u) return;
    const uint b = (4u * q) / D, d = 4u * q - b * D;
    uint at;
    const uint word = image_word(order[(cursor + FIRST + b) % N], d, at);
    const vec4 value = vec4(byte_at(word, 0u), byte_at(word, 1u), byte_at(word, 2u), byte_at(word, 3u)) * (1.0 / 255.0);
    const vec4 out4 = BINARIZE ? vec4(lessThan(standard_uniform4(rng, 2u, q + FIRST * D / 4u), value)) : value;
    x4[q] = out4;
    return;
  }
  const uint i = linear_invocation();
  if (i >= B * D) return;
  const uint b = i / D, d = i - b * D;
  uint at;
  const uint word = image_word(order[(cursor + FIRST + b) % N], d, at);
  const float value = float(byte_at(word, at)) * (1.0 / 255.0);
  x[i] = BINARIZE ? (standard_uniform(rng, 2u, i + FIRST * D) < value ? 1.0 : 0.0) : value;
}
