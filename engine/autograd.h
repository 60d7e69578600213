// The autograd tape, define-by-run: every op that reads a tensor requiring grad records a
// Node holding its inputs and a closure that maps the output's gradient to the inputs'
// gradients. backward() sorts the nodes reachable from the loss and runs the closures in
// reverse, then frees the graph.
//
// How an op records itself (the whole protocol):
//
//   Tensor relu(const Tensor& x) {
//     Tensor y = ...forward...;
//     Tensor saved = y.detach();           // never capture `y` itself: y owns this node,
//     return record(y, "relu", {x},        // so capturing it would make a cycle
//         [x, saved](const Tensor& grad_y) -> std::vector<Tensor> {
//           return {relu_backward(grad_y, saved)};   // one entry per input
//         });
//   }
//
// A closure may return an undefined Tensor for an input that needs no gradient
// (check `input.requires_grad()`); closures run with gradient recording switched off.
//
// Anomaly detection (`leuko train --detect-anomaly`): while a DetectAnomalyGuard(true) is
// alive, record() checks the output of every op run while recording is on, backward
// checks every gradient a node returns, and the first non-finite one (NaN or Inf) stops
// with an error naming the op. Off, it costs one flag test per op.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace leuko {

class Node {
 public:
  using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

  Node(std::string name, std::vector<Tensor> inputs, BackwardFn backward);

  const std::string& name() const { return name_; }
  const std::vector<Tensor>& inputs() const { return inputs_; }
  bool released() const { return released_; }

  std::vector<Tensor> apply(const Tensor& grad_output);  // checks the gradients' shapes
  void release();  // drops inputs and saved tensors: the graph is freed after backward

 private:
  std::string name_;
  std::vector<Tensor> inputs_;
  BackwardFn backward_;
  bool released_ = false;
};

// True unless a NoGradGuard is alive on this thread.
bool grad_enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True when no element is NaN or Inf (integer tensors always are). A CPU tensor is scanned
// in place; a device tensor is reduced on its device (sum(t * 0) is 0 exactly when every
// element is finite) and only that one number is copied back.
bool all_finite(const Tensor& t);

// The name of the first of `named` (e.g. a module's named_parameters()) whose gradient is
// not finite; "" when every gradient is (or is undefined). On a GPU the gradients are
// reduced to one number (a single copy back); only a non-finite one is searched by name.
std::string first_non_finite_gradient(const std::vector<std::pair<std::string, Tensor>>& named);

bool detect_anomaly_enabled();

class DetectAnomalyGuard {  // anomaly detection on (or off) for its scope, for all threads
 public:
  explicit DetectAnomalyGuard(bool enabled);
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

// Gradient-ready hooks, for data-parallel training (engine/distributed/gradient_reducer.h):
// while a GradientReadyGuard is alive on this thread, backward calls its hook once for every
// leaf that requires grad in the swept graph, as soon as no node left in the sweep can add
// to that leaf's gradient, so that a finished gradient can be sent while backward computes
// the rest. The leaf's grad() may be undefined (no gradient reached it).
using GradientReadyHook = std::function<void(const Tensor& leaf)>;

class GradientReadyGuard {
 public:
  explicit GradientReadyGuard(GradientReadyHook hook);
  ~GradientReadyGuard();
  GradientReadyGuard(const GradientReadyGuard&) = delete;
  GradientReadyGuard& operator=(const GradientReadyGuard&) = delete;

 private:
  GradientReadyHook previous_;
};

// Attaches a node to `output` if recording is on and any input requires grad; returns output.
Tensor record(Tensor output, const char* op_name, std::vector<Tensor> inputs,
              Node::BackwardFn backward);

// Reverse-mode sweep from `root`. `gradient` may be undefined only for one-element roots.
void run_backward(const Tensor& root, const Tensor& gradient);

}  // namespace leuko
