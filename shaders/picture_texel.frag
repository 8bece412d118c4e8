#version 450
// The viewer's picture: RGBA8 pixels that compute shaders wrote into a storage buffer (the image
// grid), read straight from it with nearest sampling — no copy through the host, no texture.

layout(push_constant) uniform Push {
  vec2 origin;
  vec2 extent;
  vec2 framebuffer;
  uvec2 picture;
};
layout(std430, set = 0, binding = 0) readonly buffer Pixels { uint pixels[]; };

layout(location = 0) in vec2 uv;
layout(location = 0) out vec4 color;

void main() {
  const uvec2 at = min(uvec2(uv * vec2(picture)), picture - 1u);
  color = unpackUnorm4x8(pixels[at.y * picture.x + at.x]);
}
