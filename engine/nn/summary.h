// What a network is made of, layer by layer, as `leuko summary` prints it: every module of
// the tree with the shape its first call returned, its parameters (trainable and frozen,
// its whole subtree), the forward FLOPs of its calls (engine/flop_count.h) and the bytes of
// its output. Found by running one forward pass and watching each module call
// (ObserveForward); modules that their parent runs inside one fused op (the conv and bn of
// a ConvBnRelu) or through a method of their own are listed with their parameters only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/nn/module.h"

namespace leuko::nn {

struct LayerSummary {
  std::string name;  // dotted path, as in the state dict ("" for the network)
  std::string type;  // the module's class, e.g. "Conv2d"
  int depth = 0;     // 0: the network, 1: its children, ...
  bool called = false;
  Shape output;  // of its first call (empty when not called on its own)
  int64_t trainable = 0, frozen = 0;
  int64_t flops = 0;         // over all of its calls
  int64_t output_bytes = 0;  // of its first call's output
};

struct NetworkSummary {
  std::vector<LayerSummary> layers;  // the network first, then depth first as registered
  Shape input, output;
  int64_t trainable = 0, frozen = 0, flops = 0;
  // The outputs of the innermost module calls, added up: about what one training step keeps
  // for its backward pass, at this batch size.
  int64_t activation_bytes = 0;
};

// Runs `forward` once on `input` without recording gradients and with `network` in eval
// mode (its training mode is restored afterwards). `forward` is how the network takes a
// batch (e.g. a model that returns several tensors picks the logits).
NetworkSummary summarize(Module& network, const std::function<Tensor(const Tensor&)>& forward,
                         const Tensor& input);

// The summary as an aligned text table with a totals block; `title` names the network.
std::string format_summary(const NetworkSummary& summary, const std::string& title);

}  // namespace leuko::nn
