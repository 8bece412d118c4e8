// Activations selected by specialization constants, forward and gradient. The gradient is taken
// from the activation's *output* y, so a fused producer (GEMM, conv) need not keep its input.
//   ACT: 0 none, 1 ReLU, 2 LeakyReLU(ACT_PARAM = slope > 0), 3 Sigmoid, 4 Tanh, 5 Softplus,
//        6 ELU(ACT_PARAM = alpha > 0)

layout(constant_id = 8) const uint ACT = 0;
layout(constant_id = 9) const float ACT_PARAM = 0.0;

float act_forward(float x) {
  if (ACT == 1) return max(x, 0.0);
  if (ACT == 2) return x > 0.0 ? x : ACT_PARAM * x;
  if (ACT == 3) return 1.0 / (1.0 + exp(-x));
  if (ACT == 4) return tanh(x);
  // softplus(x) = max(x,0) + log(1 + exp(-|x|)): no overflow for large |x|.
  if (ACT == 5) return max(x, 0.0) + log(1.0 + exp(-abs(x)));
  if (ACT == 6) return x > 0.0 ? x : ACT_PARAM * (exp(x) - 1.0);
  return x;
}

// d act / dx expressed through y = act(x).
float act_grad_from_output(float y) {
  if (ACT == 1) return y > 0.0 ? 1.0 : 0.0;
  if (ACT == 2) return y > 0.0 ? 1.0 : ACT_PARAM;
  if (ACT == 3) return y * (1.0 - y);
  if (ACT == 4) return 1.0 - y * y;
  if (ACT == 5) return 1.0 - exp(-y);  // sigmoid(x) = 1 - exp(-softplus(x))
  if (ACT == 6) return y > 0.0 ? 1.0 : y + ACT_PARAM;
  return 1.0;
}
