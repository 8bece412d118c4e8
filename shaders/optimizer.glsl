// What Adam, AdamW and SGD share: hyperparameters and the step count read from the device (so
// the host can change the learning rate without re-recording), gradient clipping by global
// norm, and the non-finite guard. The including shader defines OPTIMIZER_BINDING, the first
// binding after its own state buffers.
//
// The guard skips the update when the flag is set (a gradient was NaN or ±Inf); an update whose
// result is not finite (a weight or a moment: a huge learning rate, a moment loaded damaged)
// sets UPDATE_BIT, so the host stops the run before it saves such weights, and later steps skip.
// A workgroup of the same dispatch may or may not see that bit: the run stops at this step
// either way.

layout(constant_id = 2) const bool CLIP = false;   // scale gradients to at most max_grad_norm
layout(constant_id = 3) const bool GUARD = true;   // skip the update when the flag is non-zero

layout(std430, set = 0, binding = OPTIMIZER_BINDING) readonly buffer H_ {
  float lr, beta1, beta2, eps, weight_decay, max_grad_norm, momentum, dampening;
};
layout(std430, set = 0, binding = OPTIMIZER_BINDING + 1) readonly buffer S_ { uint step; };       // ≥ 1 at the update
layout(std430, set = 0, binding = OPTIMIZER_BINDING + 2) readonly buffer N_ { float grad_norm_sq; };
layout(std430, set = 0, binding = OPTIMIZER_BINDING + 3) buffer F_ { uint nonfinite; };

const uint UPDATE_BIT = 0x80000000u;

bool not_finite(float x) { return (floatBitsToUint(x) & 0x7F800000u) == 0x7F800000u; }

// torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), never above 1.
float clip_coefficient() {
  if (!CLIP) return 1.0;
  return min(1.0, max_grad_norm / (sqrt(grad_norm_sq) + 1e-6));
}
