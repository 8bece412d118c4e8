#include "ops/reference/linear.hpp"

#include "ops/reference/activation.hpp"

namespace vkvae::ops::ref {

std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w,
                                   std::span<const double> b, int batch, int in, int out,
                                   ActivationSpec act) {
  std::vector<double> y(static_cast<std::size_t>(batch) * out);
  for (int r = 0; r < batch; ++r) {
    for (int o = 0; o < out; ++o) {
      double s = b.empty() ? 0.0 : b[o];
      for (int i = 0; i < in; ++i) s += x[r * in + i] * w[o * in + i];
      y[r * out + o] = act_forward(act, s);
    }
  }
  return y;
}

LinearGradients linear_backward(std::span<const double> dz, std::span<const double> x,
                                std::span<const double> w, int batch, int in, int out) {
  LinearGradients g;
  g.dx.assign(static_cast<std::size_t>(batch) * in, 0.0);
  g.dw.assign(static_cast<std::size_t>(out) * in, 0.0);
  g.db.assign(out, 0.0);
  for (int r = 0; r < batch; ++r) {
    for (int o = 0; o < out; ++o) {
      const double d = dz[r * out + o];
      g.db[o] += d;
      for (int i = 0; i < in; ++i) {
        g.dx[r * in + i] += d * w[o * in + i];
        g.dw[o * in + i] += d * x[r * in + i];
      }
    }
  }
  return g;
}

std::vector<double> sum_outer_inner(std::span<const double> x, int A, int B, int C) {
  std::vector<double> y(B, 0.0);
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < B; ++b)
      for (int c = 0; c < C; ++c) y[b] += x[(a * B + b) * C + c];
  return y;
}

}  // namespace vkvae::ops::ref
