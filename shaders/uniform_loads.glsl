// Loads whose address is the same in every lane: a tile's weights, a GEMM's row operand.
//
// On a CPU device (lavapipe, Mesa 22.3) every storage-buffer load is a loop over the subgroup's
// lanes, each with its own mask and bounds test, even when all lanes read one address; such
// loops, not the FMAs, were most of a convolution's time. With UNIFORM_LOAD_LANES = the
// subgroup size, lane l loads the l-th value of a block and subgroupBroadcast hands it to every
// lane: one loop fetches a block of values. On a GPU (UNIFORM_LOAD_LANES = 1) a uniform load is
// one scalar load already and stays as it is.
//
// Use, with every lane of the subgroup active (a shader including this enables
// GL_KHR_shader_subgroup_ballot):
//   for (uint b = 0; b < COUNT; b += UNIFORM_LOAD_LANES) {
//     const float mine = buffer[index_of(min(b + uniform_load_lane(), COUNT - 1))];
//     for (uint l = 0; l < UNIFORM_LOAD_LANES; ++l) {
//       if (b + l >= COUNT) break;
//       values[b + l] = uniform_load_share(mine, l);
//     }
//   }

layout(constant_id = 15) const uint UNIFORM_LOAD_LANES = 1;

// Which value of a block this lane loads.
uint uniform_load_lane() { return UNIFORM_LOAD_LANES == 1 ? 0u : gl_SubgroupInvocationID % UNIFORM_LOAD_LANES; }

// The value lane l loaded, in every lane.
float uniform_load_share(float mine, uint l) { return UNIFORM_LOAD_LANES == 1 ? mine : subgroupBroadcast(mine, l); }
vec4 uniform_load_share(vec4 mine, uint l) { return UNIFORM_LOAD_LANES == 1 ? mine : subgroupBroadcast(mine, l); }
