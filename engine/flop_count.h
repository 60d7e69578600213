// Counting the arithmetic of a forward pass: the ops whose cost grows with the product of
// their sizes (convolutions, linear layers, matrix products) add what their forward computes,
// 2 floating-point operations (a multiply and an add) per multiply-accumulate, to the
// innermost CountFlops alive on this thread. The elementwise ops' few operations per element
// are not counted (as torchinfo's mult-adds leave them out). How `leuko summary` sizes layers.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko {

class CountFlops {
 public:
  CountFlops();
  ~CountFlops();
  CountFlops(const CountFlops&) = delete;
  CountFlops& operator=(const CountFlops&) = delete;

  int64_t total() const { return total_; }

 private:
  friend void add_flops(int64_t flops);
  int64_t total_ = 0;
  CountFlops* outer_;
};

// Called by the ops above with their forward's operation count; does nothing (one
// thread-local read) when no CountFlops is alive. Counts reach every enclosing counter.
void add_flops(int64_t flops);

// A convolution's forward: each of its batch * out_channels * out_h * out_w outputs sums
// channels * kernel_h * kernel_w products. Also a transposed convolution's, whose `g` is the
// conv2d of its adjoint: the same products, scattered instead of gathered.
inline int64_t conv_flops(const ConvGeometry& g) {
  return 2 * g.batch * g.out_channels * g.out_h * g.out_w * g.channels * g.kernel_h * g.kernel_w;
}

}  // namespace leuko
