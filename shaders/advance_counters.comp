#version 450
// step (1) u32, rng (4) u32, cursor (1) u32: step += 1, the RNG's 64-bit step += 1 and
// cursor += batch, once per training step — so a replayed step draws new noise, reads the next
// batch and gives the optimizer the next step number without the host touching anything.

layout(local_size_x = 1) in;

layout(std430, set = 0, binding = 0) buffer S_ { uint step; };
layout(std430, set = 0, binding = 1) buffer R_ { uvec4 rng; };
layout(std430, set = 0, binding = 2) buffer C_ { uint cursor; };
layout(push_constant) uniform Push { uint batch; };

void main() {
  step += 1u;
  rng.z += 1u;
  if (rng.z == 0u) rng.w += 1u;  // carry into the step's high word
  cursor += batch;
}
