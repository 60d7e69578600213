// dropout: inverted dropout. In training each element is zeroed with probability p and the
// rest scaled by 1 / (1 - p); otherwise (or with p = 0) it is the identity. The generator
// gives one 64-bit seed per call, from which the kernel hashes the mask; the backward
// rebuilds the same mask from that seed instead of storing it.
#include "kernels/cpu/dropout.h"

#include "engine/autograd.h"
#include "engine/device_kernels.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "kernels/cuda/dropout.h"

namespace leuko {

Tensor dropout(const Tensor& x, float p, bool training, Generator& generator) {
  check_dtype(x, DType::f32, "dropout", "input");
  LEUKO_CHECK(p >= 0.0f && p <= 1.0f, "dropout: probability p must be in [0, 1], got ", p);
  if (!training || p == 0.0f) return x;
  if (p == 1.0f) {  // everything dropped; 1 / (1 - p) would be infinite
    return record(zeros(x.shape(), DType::f32, x.device()), "dropout", {x},
                  [](const Tensor& g) -> std::vector<Tensor> { return {zeros_like(g)}; });
  }
  const uint64_t seed = generator.next_u64();
  const Tensor input = x.contiguous();
  Tensor out = empty(x.shape(), DType::f32, x.device());
  LEUKO_DEVICE_KERNELS(dropout_forward)
      .on(x.device(), "dropout")(input.data<float>(), x.numel(), p, seed, out.data<float>());
  return record(out, "dropout", {x}, [p, seed](const Tensor& grad_out) -> std::vector<Tensor> {
    const Tensor g = grad_out.contiguous();
    Tensor grad_x = empty(g.shape(), DType::f32, g.device());
    LEUKO_DEVICE_KERNELS(dropout_backward)
        .on(g.device(), "dropout")(g.data<float>(), g.numel(), p, seed, grad_x.data<float>());
    return {grad_x};
  });
}

}  // namespace leuko
