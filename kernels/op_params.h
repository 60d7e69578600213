// The parameter structs that an op's CPU kernel (kernels/cpu) and its CUDA kernel
// (kernels/cuda) both take: the engine fills one and hands it to whichever backend runs, so
// the two backends depend on this header, never on each other.
#pragma once

#include <cstdint>

namespace leuko {

// ---- pool (kernels/{cpu,cuda}/pool) -----------------------------------------------------

// The geometry of one pooling call. out_h/out_w come from the op (ceil_mode lives there),
// which also guarantees that every window overlaps the input (so no divisor is 0).
struct Pool2dShape {
  int64_t planes;  // N * C
  int64_t in_h, in_w;
  int64_t out_h, out_w;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_h, pad_w;
};

// ---- optimizer steps (kernels/{cpu,cuda}/{sgd,adam,rmsprop}) ----------------------------

// The caller computes derived scalars such as 1 - dampening in double, as PyTorch does, so
// they are rounded to float once.
struct SgdHyperparameters {
  float lr;
  float momentum;  // 0: plain SGD, no buffer
  float one_minus_dampening;
  float weight_decay;
  bool nesterov;
};

// The caller computes the derived scalars (1 - beta, bias corrections) in double, as PyTorch
// does, so each is rounded to float once.
struct AdamHyperparameters {
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float eps;
  float l2_weight_decay;        // Adam: added to the gradient as l2_weight_decay * param
  float decay_factor;           // AdamW: param *= 1 - lr * weight_decay first (1 for Adam)
  float step_size;              // lr / (1 - beta1^step)
  float bias_correction2_sqrt;  // sqrt(1 - beta2^step)
};

// The caller computes 1 - alpha in double, as PyTorch does, so it is rounded to float once.
struct RmspropHyperparameters {
  float lr, alpha, one_minus_alpha, eps;
  float weight_decay;  // coupled L2: added to the gradient as weight_decay * param
  float momentum;      // used only when momentum_buffer is given
};

}  // namespace leuko
