#include "engine/nn/pool.h"

namespace leuko::nn {

MaxPool2d::MaxPool2d(Size2 kernel, std::optional<Size2> stride, Size2 padding, bool ceil_mode)
    : kernel_(kernel), stride_(stride.value_or(kernel)), padding_(padding), ceil_mode_(ceil_mode) {}

Tensor MaxPool2d::forward(const Tensor& x) {
  return max_pool2d(x, kernel_, stride_, padding_, ceil_mode_);
}

AvgPool2d::AvgPool2d(Size2 kernel, std::optional<Size2> stride, Size2 padding, bool ceil_mode,
                     bool count_include_pad)
    : kernel_(kernel),
      stride_(stride.value_or(kernel)),
      padding_(padding),
      ceil_mode_(ceil_mode),
      count_include_pad_(count_include_pad) {}

Tensor AvgPool2d::forward(const Tensor& x) {
  return avg_pool2d(x, kernel_, stride_, padding_, ceil_mode_, count_include_pad_);
}

Tensor GlobalAvgPool2d::forward(const Tensor& x) { return global_avg_pool(x); }

}  // namespace leuko::nn
