// Pooling modules, as torch.nn: MaxPool2d, AvgPool2d (stride defaults to the kernel size)
// and GlobalAvgPool2d ([N, C, H, W] -> [N, C, 1, 1], like AdaptiveAvgPool2d(1)). They hold
// no parameters.
#pragma once

#include <optional>

#include "engine/nn/module.h"
#include "engine/ops.h"

namespace leuko::nn {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                     bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;

 private:
  Size2 kernel_, stride_, padding_;
  bool ceil_mode_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                     bool ceil_mode = false, bool count_include_pad = true);
  Tensor forward(const Tensor& x) override;

 private:
  Size2 kernel_, stride_, padding_;
  bool ceil_mode_, count_include_pad_;
};

class GlobalAvgPool2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

}  // namespace leuko::nn
