// Double-precision references for Conv2d and ConvTranspose2d (PyTorch's definitions and
// weight layouts), written as the plain nested loops of their definitions.
#pragma once

#include <span>
#include <vector>

namespace vkvae::ops::ref {

struct Conv2dDims {
  int N, C, H, W;  // input
  int K, R, S;     // weight (K,C,R,S) for Conv2d; (C,K,R,S) = (Cin,Cout,R,S) for ConvTranspose2d
  int stride, pad, output_padding;
  int out_h() const;  // P (Conv2d) or Ho (ConvTranspose2d), by `transposed`
  int out_w() const;
  bool transposed = false;
};

struct ConvGradients {
  std::vector<double> dx, dw, db;
};

// y (N,K,P,Q); b may be empty.
std::vector<double> conv2d(std::span<const double> x, std::span<const double> w, std::span<const double> b,
                           const Conv2dDims& d);
ConvGradients conv2d_backward(std::span<const double> dy, std::span<const double> x, std::span<const double> w,
                              const Conv2dDims& d);

// y (N,K,Ho,Wo) with K = Cout; b may be empty.
std::vector<double> conv_transpose2d(std::span<const double> x, std::span<const double> w, std::span<const double> b,
                                     const Conv2dDims& d);
ConvGradients conv_transpose2d_backward(std::span<const double> dy, std::span<const double> x,
                                        std::span<const double> w, const Conv2dDims& d);

}  // namespace vkvae::ops::ref
