// What every GEMM and convolution variant does with a finished output element (channel or
// column n, index `at` in the output). Binding 2, epilogue_in, holds what the epilogue reads:
//   HAS_BIAS: add epilogue_in[n] (the bias), then the activation ACT;
//   GATED: multiply by ACT's derivative taken from epilogue_in[at], the activation's output y
//     laid out as the output — the gradient through a fused activation, dx = dy·act'(y), made
//     where dy is made instead of in a pass of its own;
//   ACCUMULATE: add the result to the output's previous value (GATED gates the sum, so the last
//     of several contributions to one gradient applies the activation to their total).

layout(constant_id = 3) const bool HAS_BIAS = false;
layout(constant_id = 4) const bool ACCUMULATE = false;
layout(constant_id = 5) const bool GATED = false;

// The epilogue of one element: `bias` is its channel's or column's bias (used with HAS_BIAS),
// `gate_y` the gating activation's output at the element (GATED), `previous` the output's old
// value (ACCUMULATE). Kernels load a tile's biases once, not once an element.
float epilogue(float value, float bias, float gate_y, float previous) {
  if (GATED) return (ACCUMULATE ? previous + value : value) * act_grad_from_output(gate_y);
  if (HAS_BIAS) value += bias;
  value = act_forward(value);
  return ACCUMULATE ? previous + value : value;
}
