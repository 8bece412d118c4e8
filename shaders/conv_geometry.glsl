// The geometry every convolution kernel shares: the "small" side y (N,K,P,Q), the "large" side
// x (N,C,H,W), weights (K,C,R,S), y[p] reading x[p·stride − pad + r]. Conv2d's forward goes
// x → y; its data gradient (ConvTranspose2d's forward) goes y → x.

layout(push_constant) uniform Geometry {
  uint N, C, H, W;
  uint K, P, Q;
  uint R, S;
  uint stride, pad;
  uint chunk;  // output rows (n, p) per split (weight gradient only)
};
