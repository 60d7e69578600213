#include "engine/autograd.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "engine/error.h"
#include "engine/op_profile.h"
#include "engine/ops.h"

namespace leuko {

// A non-leaf input is kept only as a link of the graph (its producer, shape and flags), not
// with its values: backward closures save the values they need themselves, so holding the
// whole input here would keep every intermediate activation alive until backward, even those
// no closure reads (a conv's output once the ReLU after it has run). That is memory PyTorch
// frees, up to a third of a training step's peak.
static Tensor graph_link(const Tensor& input) {
  if (!input.defined() || input.is_leaf()) return input;
  auto link = std::make_shared<TensorImpl>();
  link->storage = std::make_shared<Storage>();  // no bytes: only the device is known
  link->storage->device = input.device();
  link->shape = input.shape();
  link->strides = input.strides();
  link->dtype = input.dtype();
  link->requires_grad = input.requires_grad();
  link->grad_fn = input.grad_fn();
  return Tensor(std::move(link));
}

Node::Node(std::string name, std::vector<Tensor> inputs, BackwardFn backward)
    : name_(std::move(name)), backward_(std::move(backward)) {
  inputs_.reserve(inputs.size());
  for (const Tensor& input : inputs) inputs_.push_back(graph_link(input));
}

std::vector<Tensor> Node::apply(const Tensor& grad_output) {
  LEUKO_CHECK(!released_, "backward through '", name_,
              "' a second time: the graph is freed after backward(); run the forward again");
  std::vector<Tensor> grads = backward_(grad_output);
  LEUKO_CHECK(grads.size() == inputs_.size(), "autograd: '", name_, "' returned ", grads.size(),
              " gradients for ", inputs_.size(), " inputs");
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) continue;
    LEUKO_CHECK(grads[i].shape() == inputs_[i].shape(), "autograd: '", name_,
                "' returned a gradient of shape ", to_string(grads[i].shape()), " for input ", i,
                " of shape ", to_string(inputs_[i].shape()));
  }
  return grads;
}

void Node::release() {
  inputs_.clear();
  backward_ = nullptr;
  released_ = true;
}

static thread_local bool grad_mode = true;

bool grad_enabled() { return grad_mode; }

NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

bool all_finite(const Tensor& t) {
  if (!t.defined() || t.dtype() != DType::f32 || t.numel() == 0) return true;
  if (t.device() != Device::cpu) return std::isfinite(sum(mul(t, 0.0f)).item());
  const Tensor c = t.contiguous();
  const float* p = c.data<float>();
  return std::all_of(p, p + c.numel(), [](float v) { return std::isfinite(v); });
}

std::string first_non_finite_gradient(const std::vector<std::pair<std::string, Tensor>>& named) {
  // Runs every training step: the device gradients are first summed (times 0) into one
  // number, so a healthy step costs one copy back, not one per parameter.
  Tensor device_total;
  for (const auto& [name, tensor] : named) {
    const Tensor g = tensor.grad();
    if (!g.defined() || g.dtype() != DType::f32 || g.numel() == 0 || g.device() == Device::cpu)
      continue;
    const Tensor part = sum(mul(g, 0.0f));
    device_total = device_total.defined() ? add(device_total, part) : part;
  }
  const bool devices_finite = !device_total.defined() || std::isfinite(device_total.item());
  for (const auto& [name, tensor] : named) {
    const Tensor g = tensor.grad();
    if (g.defined() && g.device() != Device::cpu && devices_finite) continue;  // known finite
    if (!all_finite(g)) return name;
  }
  return "";
}

// One switch for the process: the ops of a training step may run on several threads.
static std::atomic<bool> anomaly_mode{false};

bool detect_anomaly_enabled() { return anomaly_mode.load(std::memory_order_relaxed); }

DetectAnomalyGuard::DetectAnomalyGuard(bool enabled) : previous_(anomaly_mode.exchange(enabled)) {}
DetectAnomalyGuard::~DetectAnomalyGuard() { anomaly_mode = previous_; }

// "(its inputs are finite)" tells the op that made the first bad value from one that only
// passed a bad input on.
static std::string inputs_note(const std::vector<Tensor>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!all_finite(inputs[i])) return cat("(its input ", i, " is already not finite)");
  return "(its inputs are finite)";
}

Tensor record(Tensor output, const char* op_name, std::vector<Tensor> inputs,
              Node::BackwardFn backward) {
  // Under no_grad (evaluation, and the ops inside backward closures) nothing is checked:
  // backward checks each node's gradients as a whole.
  if (!grad_mode) return output;
  if (detect_anomaly_enabled() && !all_finite(output))
    throw Error(cat("detect-anomaly: the forward output of '", op_name, "' (shape ",
                    to_string(output.shape()), ") is not finite ", inputs_note(inputs)));
  bool any = false;
  for (const Tensor& input : inputs) any = any || (input.defined() && input.requires_grad());
  if (!any) {
    ProfileOps::forward_op(op_name, output, inputs, nullptr);
    return output;
  }
  auto node = std::make_shared<Node>(op_name, std::move(inputs), std::move(backward));
  ProfileOps::forward_op(op_name, output, node->inputs(), node.get());
  output.impl()->requires_grad = true;
  output.impl()->grad_fn = std::move(node);
  return output;
}

// Nodes in an order where every node comes after all nodes that consume its output. The
// shared pointers keep every node alive while the sweep releases their neighbours.
static std::vector<std::shared_ptr<Node>> topological_order(const std::shared_ptr<Node>& root) {
  std::vector<std::shared_ptr<Node>> order;
  std::unordered_set<Node*> visited{root.get()};
  std::vector<std::pair<std::shared_ptr<Node>, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next_input] = stack.back();
    if (next_input < node->inputs().size()) {
      const Tensor& input = node->inputs()[next_input++];
      std::shared_ptr<Node> child = input.defined() ? input.grad_fn() : nullptr;
      if (child && visited.insert(child.get()).second) stack.push_back({child, 0});
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  return {order.rbegin(), order.rend()};  // post-order reversed: consumers first
}

static thread_local GradientReadyHook gradient_ready_hook;

GradientReadyGuard::GradientReadyGuard(GradientReadyHook hook)
    : previous_(std::move(gradient_ready_hook)) {
  gradient_ready_hook = std::move(hook);
}
GradientReadyGuard::~GradientReadyGuard() { gradient_ready_hook = std::move(previous_); }

static bool is_trainable_leaf(const Tensor& t) {
  return t.defined() && t.requires_grad() && t.is_leaf();
}

static void accumulate_into_leaf(const Tensor& leaf, const Tensor& grad) {
  Tensor current = leaf.grad();
  // The first gradient is cloned: backward closures may hand the same tensor to several
  // inputs, and a later in-place accumulation must not change a neighbour's gradient.
  leaf.impl()->grad = current.defined() ? add(current, grad) : grad.clone();
}

void run_backward(const Tensor& root, const Tensor& gradient) {
  LEUKO_CHECK(root.requires_grad(),
              "backward(): the tensor does not require grad and has no "
              "history (was it computed under no_grad, or from frozen inputs only?)");
  Tensor seed = gradient;
  if (!seed.defined()) {
    LEUKO_CHECK(root.numel() == 1,
                "backward(): implicit gradient only for one-element outputs; "
                "this tensor has shape ",
                to_string(root.shape()), ", pass a gradient of that shape");
    seed = ones(root.shape(), root.device());
  }
  LEUKO_CHECK(seed.shape() == root.shape(), "backward(): gradient shape ", to_string(seed.shape()),
              " differs from the output's ", to_string(root.shape()));

  NoGradGuard no_grad;
  if (root.is_leaf()) {
    accumulate_into_leaf(root, seed);
    return;
  }
  const std::vector<std::shared_ptr<Node>> order = topological_order(root.grad_fn());
  // With a gradient-ready hook: how many nodes of the sweep still feed each leaf. A node
  // feeds its leaves when it runs, or never when nothing flowed into it.
  std::unordered_map<TensorImpl*, int> feeds_left;
  if (gradient_ready_hook)
    for (const std::shared_ptr<Node>& node : order)
      for (const Tensor& input : node->inputs())
        if (is_trainable_leaf(input)) ++feeds_left[input.impl()];
  const auto fed = [&](const Node& node) {
    if (!gradient_ready_hook) return;
    for (const Tensor& input : node.inputs())
      if (is_trainable_leaf(input) && --feeds_left[input.impl()] == 0) gradient_ready_hook(input);
  };
  std::unordered_map<Node*, Tensor> pending{{root.grad_fn().get(), seed}};
  for (const std::shared_ptr<Node>& node : order) {
    auto it = pending.find(node.get());
    if (it == pending.end()) {  // nothing flowed here (e.g. only into frozen inputs)
      fed(*node);
      continue;
    }
    Tensor grad_output = std::move(it->second);
    pending.erase(it);
    const double started = ProfileOps::backward_begin();
    std::vector<Tensor> grads = node->apply(grad_output);
    ProfileOps::backward_end(node.get(), node->name(), started, grad_output, grads);
    if (detect_anomaly_enabled())
      for (size_t i = 0; i < grads.size(); ++i)
        if (!all_finite(grads[i]))
          throw Error(cat("detect-anomaly: the backward of '", node->name(),
                          "' returned a gradient for its input ", i, " that is not finite ",
                          all_finite(grad_output)
                              ? "(the gradient it was given is finite)"
                              : "(the gradient it was given is already not finite)"));
    for (size_t i = 0; i < grads.size(); ++i) {
      const Tensor& input = node->inputs()[i];
      if (!grads[i].defined() || !input.defined() || !input.requires_grad()) continue;
      if (input.is_leaf()) {
        accumulate_into_leaf(input, grads[i]);
      } else {
        Node* producer = input.grad_fn().get();
        auto slot = pending.find(producer);
        if (slot == pending.end()) {
          pending.emplace(producer, grads[i]);
        } else {
          slot->second = add(slot->second, grads[i]);
        }
      }
    }
    fed(*node);
  }
  for (const std::shared_ptr<Node>& node : order) node->release();
}

}  // namespace leuko
