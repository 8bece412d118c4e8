#version 450
// The viewer's picture quad: four vertices (a triangle strip, no vertex buffer) covering a
// rectangle given in framebuffer pixels; passes the position within the picture (0..1).

layout(push_constant) uniform Push {
  vec2 origin;       // top-left corner, framebuffer pixels
  vec2 extent;       // size, framebuffer pixels
  vec2 framebuffer;  // framebuffer size, pixels
  uvec2 picture;     // the picture's width and height, pixels
};

layout(location = 0) out vec2 uv;

void main() {
  uv = vec2(gl_VertexIndex & 1, gl_VertexIndex >> 1);
  const vec2 pixel = origin + uv * extent;
  gl_Position = vec4(pixel / framebuffer * 2.0 - 1.0, 0.0, 1.0);
}
