// Double-precision references for activations: x → act(x), and d act/dx from the output.
#pragma once

#include "ops/activation_spec.hpp"

namespace vkvae::ops::ref {

double act_forward(ActivationSpec act, double x);
double act_grad_from_output(ActivationSpec act, double y);

}  // namespace vkvae::ops::ref
