// Loads whose address is the same in every lane: a tile's weights, a GEMM's row operand.
//
// On a CPU device (lavapipe, Mesa 22.3) every storage-buffer load is a loop over the subgroup's
// lanes, each with its own mask and bounds test, even when all lanes read one address; such
// loops, not the FMAs, were most of a convolution's time. With UNIFORM_LOAD_LANES = the
// subgroup size, lane l loads the l-th value of a block and subgroupBroadcast hands it to every
// lane: one loop fetches a block of values. On a GPU (UNIFORM_LOAD_LANES = 1) a uniform load is
// one scalar load already and stays as it is.
//
// LOAD_UNIFORM below is the one way the kernels use this.

layout(constant_id = 15) const uint UNIFORM_LOAD_LANES = 1;

// Which value of a block this lane loads.
uint uniform_load_lane() { return UNIFORM_LOAD_LANES == 1 ? 0u : gl_SubgroupInvocationID % UNIFORM_LOAD_LANES; }

// The value lane l loaded, in every lane.
float uniform_load_share(float mine, uint l) { return UNIFORM_LOAD_LANES == 1 ? mine : subgroupBroadcast(mine, l); }
vec4 uniform_load_share(vec4 mine, uint l) { return UNIFORM_LOAD_LANES == 1 ? mine : subgroupBroadcast(mine, l); }

// VALUES[ROW] = LOAD for every ROW in [0, COUNT), in every lane: LOAD is an expression in ROW,
// the index of the value this lane loads (clamped to COUNT − 1, so every address is valid); TYPE
// is float or vec4. Call it where every lane of the subgroup is active. The loops have constant
// trip counts, so they unroll and VALUES stays in registers — as long as COUNT is at most 32
// blocks of UNIFORM_LOAD_LANES: NIR does not unroll longer loops, and VALUES then becomes a
// dynamically indexed array (load a long list in pieces).
#define LOAD_UNIFORM(TYPE, VALUES, COUNT, ROW, LOAD)                      \
  for (uint block_ = 0; block_ < (COUNT); block_ += UNIFORM_LOAD_LANES) { \
    const uint ROW = min(block_ + uniform_load_lane(), (COUNT) - 1);      \
    const TYPE mine_ = (LOAD);                                            \
    for (uint l_ = 0; l_ < UNIFORM_LOAD_LANES; ++l_) {                    \
      if (block_ + l_ >= (COUNT)) break;                                  \
      VALUES[block_ + l_] = uniform_load_share(mine_, l_);                \
    }                                                                     \
  }
