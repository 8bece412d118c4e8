#version 450
// Forward: a (B, Da), b (B, Db) → out (B, Da + Db).
// SPLIT (the backward): out (B, Da + Db) → a, b (or a += …, b += … when ACCUMULATE).

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool SPLIT = false;
layout(constant_id = 2) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) buffer A_ { float a[]; };
layout(std430, set = 0, binding = 1) buffer B_ { float b[]; };
layout(std430, set = 0, binding = 2) buffer Out_ { float out_[]; };
layout(push_constant) uniform Push { uint rows, da, db; };

void main() {
  const uint width = da + db;
  const uint i = gl_GlobalInvocationID.x;
  if (i >= rows * width) return;
  const uint r = i / width, c = i - r * width;
  if (!SPLIT) {
    out_[i] = c < da ? a[r * da + c] : b[r * db + (c - da)];
  } else if (c < da) {
    const uint j = r * da + c;
    a[j] = ACCUMULATE ? a[j] + out_[i] : out_[i];
  } else {
    const uint j = r * db + (c - da);
    b[j] = ACCUMULATE ? b[j] + out_[i] : out_[i];
  }
}
