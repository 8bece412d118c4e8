#include "ops/reference/conv.hpp"

namespace vkvae::ops::ref {

int Conv2dDims::out_h() const {
  return transposed ? (H - 1) * stride - 2 * pad + R + output_padding : (H + 2 * pad - R) / stride + 1;
}

int Conv2dDims::out_w() const {
  return transposed ? (W - 1) * stride - 2 * pad + S + output_padding : (W + 2 * pad - S) / stride + 1;
}

namespace {

// Visits every (input element, weight element, output element) triple the convolution
// multiplies: the definition of both ops, with the weight index in each op's own layout.
template <typename Visit>
void for_each_tap(const Conv2dDims& d, Visit visit) {
  const int P = d.out_h(), Q = d.out_w();
  for (int n = 0; n < d.N; ++n)
    for (int c = 0; c < d.C; ++c)
      for (int k = 0; k < d.K; ++k)
        for (int r = 0; r < d.R; ++r)
          for (int s = 0; s < d.S; ++s) {
            const int widx = d.transposed ? ((c * d.K + k) * d.R + r) * d.S + s : ((k * d.C + c) * d.R + r) * d.S + s;
            if (!d.transposed) {
              for (int p = 0; p < P; ++p)
                for (int q = 0; q < Q; ++q) {
                  const int h = p * d.stride - d.pad + r, w = q * d.stride - d.pad + s;
                  if (h < 0 || h >= d.H || w < 0 || w >= d.W) continue;
                  visit(((n * d.C + c) * d.H + h) * d.W + w, widx, ((n * d.K + k) * P + p) * Q + q);
                }
            } else {
              for (int h = 0; h < d.H; ++h)
                for (int w = 0; w < d.W; ++w) {
                  const int ho = h * d.stride - d.pad + r, wo = w * d.stride - d.pad + s;
                  if (ho < 0 || ho >= P || wo < 0 || wo >= Q) continue;
                  visit(((n * d.C + c) * d.H + h) * d.W + w, widx, ((n * d.K + k) * P + ho) * Q + wo);
                }
            }
          }
}

std::vector<double> forward(std::span<const double> x, std::span<const double> w, std::span<const double> b,
                            const Conv2dDims& d) {
  const int PQ = d.out_h() * d.out_w();
  std::vector<double> y(static_cast<std::size_t>(d.N) * d.K * PQ, 0.0);
  if (!b.empty()) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = b[(i / PQ) % d.K];
  }
  for_each_tap(d, [&](int xi, int wi, int yi) { y[yi] += x[xi] * w[wi]; });
  return y;
}

ConvGradients backward(std::span<const double> dy, std::span<const double> x, std::span<const double> w,
                       const Conv2dDims& d) {
  const int PQ = d.out_h() * d.out_w();
  ConvGradients g{std::vector<double>(x.size(), 0.0), std::vector<double>(w.size(), 0.0), std::vector<double>(d.K, 0.0)};
  for_each_tap(d, [&](int xi, int wi, int yi) {
    g.dx[xi] += dy[yi] * w[wi];
    g.dw[wi] += dy[yi] * x[xi];
  });
  for (std::size_t i = 0; i < dy.size(); ++i) g.db[(i / PQ) % d.K] += dy[i];
  return g;
}

}  // namespace

std::vector<double> conv2d(std::span<const double> x, std::span<const double> w, std::span<const double> b,
                           const Conv2dDims& d) {
  Conv2dDims plain = d;
  plain.transposed = false;
  return forward(x, w, b, plain);
}

ConvGradients conv2d_backward(std::span<const double> dy, std::span<const double> x, std::span<const double> w,
                              const Conv2dDims& d) {
  Conv2dDims plain = d;
  plain.transposed = false;
  return backward(dy, x, w, plain);
}

std::vector<double> conv_transpose2d(std::span<const double> x, std::span<const double> w, std::span<const double> b,
                                     const Conv2dDims& d) {
  Conv2dDims t = d;
  t.transposed = true;
  return forward(x, w, b, t);
}

ConvGradients conv_transpose2d_backward(std::span<const double> dy, std::span<const double> x,
                                        std::span<const double> w, const Conv2dDims& d) {
  Conv2dDims t = d;
  t.transposed = true;
  return backward(dy, x, w, t);
}

}  // namespace vkvae::ops::ref
