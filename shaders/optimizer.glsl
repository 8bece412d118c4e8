// What Adam, AdamW and SGD share: hyperparameters and the step count read from the device (so
// the host can change the learning rate without re-recording), gradient clipping by global
// norm, and the non-finite guard. The including shader defines OPTIMIZER_BINDING, the first
// binding after its own state buffers.

layout(constant_id = 2) const bool CLIP = false;   // scale gradients to at most max_grad_norm
layout(constant_id = 3) const bool GUARD = true;   // skip the update when the flag is non-zero

layout(std430, set = 0, binding = OPTIMIZER_BINDING) readonly buffer H_ {
  float lr, beta1, beta2, eps, weight_decay, max_grad_norm, momentum, dampening;
};
layout(std430, set = 0, binding = OPTIMIZER_BINDING + 1) readonly buffer S_ { uint step; };       // ≥ 1 at the update
layout(std430, set = 0, binding = OPTIMIZER_BINDING + 2) readonly buffer N_ { float grad_norm_sq; };
layout(std430, set = 0, binding = OPTIMIZER_BINDING + 3) readonly buffer F_ { uint nonfinite; };

// torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), never above 1.
float clip_coefficient() {
  if (!CLIP) return 1.0;
  return min(1.0, max_grad_norm / (sqrt(grad_norm_sq) + 1e-6));
}
