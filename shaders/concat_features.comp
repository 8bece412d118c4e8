#version 450
#extension GL_GOOGLE_include_directive : require
// a (B, Da), b (B, Db) → out (B, Da + Db). Its backward is slice_columns.comp, once per side.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

// Read-only and write-only as declared: synchronization validation (and drivers) go by these.
layout(std430, set = 0, binding = 0) readonly buffer A_ { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B_ { float b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out_ { float out_[]; };
layout(push_constant) uniform Push { uint rows, da, db; };

void main() {
  const uint width = da + db;
  const uint i = linear_invocation();
  if (i >= rows * width) return;
  const uint r = i / width, c = i - r * width;
  out_[i] = c < da ? a[r * da + c] : b[r * db + (c - da)];
}
