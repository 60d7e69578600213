// One SGD update of a parameter tensor, with torch.optim.SGD's semantics: coupled L2 weight
// decay, heavy-ball momentum with dampening, and Nesterov momentum.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// sgd.cpp, and leuko::cpu::reference, the readable reference in sgd_reference.cpp:
// torch.optim.SGD's algorithm one element at a time, in double; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"
#include "kernels/op_params.h"

LEUKO_CPU_BACKENDS(
    // param -= lr * d, where d = grad + weight_decay * param, passed through the momentum buffer
    // when momentum != 0. `momentum_buffer` may be null only when momentum == 0. On the buffer's
    // first step (`first_step`) it is set to d itself, undamped, as PyTorch does when it creates
    // it.
    void sgd_step(float* param, const float* grad, float* momentum_buffer, int64_t n,
                  const SgdHyperparameters& h, bool first_step);)
