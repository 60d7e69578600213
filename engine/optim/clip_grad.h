// Gradient clipping with torch.nn.utils' semantics, applied after backward() and before
// optimizer.step(). Parameters without a gradient are skipped.
#pragma once

#include <limits>
#include <vector>

#include "engine/tensor.h"

namespace leuko::optim {

constexpr double kInfinityNorm = std::numeric_limits<double>::infinity();

// Scales all gradients together by min(1, max_norm / (total_norm + 1e-6)), where total_norm
// is the norm_type-norm of all gradients seen as one vector (kInfinityNorm: the largest
// |element|); returns total_norm (0 when no parameter has a gradient). A NaN or infinite
// total norm throws when error_if_nonfinite, and otherwise spreads into the gradients,
// as in PyTorch.
float clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                      bool error_if_nonfinite = false);

// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace leuko::optim
