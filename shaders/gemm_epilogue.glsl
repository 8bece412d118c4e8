// What every GEMM variant does with a finished C element: bias, activation, accumulation.
//   HAS_BIAS: add bias[n];  ACCUMULATE: C += result instead of C = result.

layout(constant_id = 3) const bool HAS_BIAS = false;
layout(constant_id = 4) const bool ACCUMULATE = false;

float gemm_finish(float value, uint n, float previous) {
  if (HAS_BIAS) value += bias[n];
  value = act_forward(value);
  return ACCUMULATE ? previous + value : value;
}
