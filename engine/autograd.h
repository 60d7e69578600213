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

// Attaches a node to `output` if recording is on and any input requires grad; returns output.
Tensor record(Tensor output, const char* op_name, std::vector<Tensor> inputs,
              Node::BackwardFn backward);

// Reverse-mode sweep from `root`. `gradient` may be undefined only for one-element roots.
void run_backward(const Tensor& root, const Tensor& gradient);

}  // namespace leuko
