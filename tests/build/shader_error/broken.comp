#version 450
// Deliberately invalid: used by tests/build to prove a compile error fails the build.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Y { float y[]; };
void main() {
  y[gl_GlobalInvocationID.x] = undeclared_variable;
}
