// How the narrow convolution kernels read their input windows: x[n, c, ih, iw] from the texel
// buffer x_tex (N, CHANNELS, H, W), zero outside the image (the padding). The including kernel
// declares x_tex and CHANNELS.
float window_value(uint n, int ih, int iw, uint c) {
  const bool inside = ih >= 0 && ih < int(H) && iw >= 0 && iw < int(W);
  const uint at = inside ? ((n * CHANNELS + c) * H + uint(ih)) * W + uint(iw) : 0u;
  return inside ? texelFetch(x_tex, int(at)).x : 0.0;
}
