#include "engine/op_profile.h"

#include "engine/storage.h"

namespace leuko {

static thread_local ProfileOps* active = nullptr;

static int64_t float_bytes(const std::vector<Tensor>& tensors) {
  int64_t bytes = 0;
  for (const Tensor& t : tensors) {
    if (t.defined() && t.dtype() == DType::f32) bytes += t.numel() * 4;
  }
  return bytes;
}

// One storage under both (a view, or the same tensor).
static bool same_data(const Tensor& a, const Tensor& b) {
  return a.defined() && b.defined() && a.impl()->storage == b.impl()->storage;
}

// What a forward moved: nothing for a view of one of its inputs (reshape), else its float32
// inputs and output.
static int64_t forward_bytes(const Tensor& output, const std::vector<Tensor>& inputs) {
  for (const Tensor& input : inputs) {
    if (same_data(output, input)) return 0;
  }
  return float_bytes(inputs) + float_bytes({output});
}

// What a backward moved: the gradients it wrote and the one it read, leaving out gradients
// that are the incoming one passed on (add's); nothing when all of them are.
static int64_t backward_bytes(const Tensor& grad_output, const std::vector<Tensor>& grads) {
  std::vector<Tensor> written;
  for (const Tensor& g : grads) {
    if (g.defined() && !same_data(g, grad_output)) written.push_back(g);
  }
  return written.empty() ? 0 : float_bytes(written) + float_bytes({grad_output});
}

ProfileOps::ProfileOps(Device device)
    : device_(device), origin_(std::chrono::steady_clock::now()), outer_(active) {
  active = this;
}

ProfileOps::~ProfileOps() { active = outer_; }

double ProfileOps::now() const {
  if (device_ != Device::cpu) synchronize(device_);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
}

double ProfileOps::mark() {
  last_mark_ = now();
  last_flops_ = flops_.total();
  return last_mark_;
}

void ProfileOps::forward_op(const char* op, const Tensor& output, const std::vector<Tensor>& inputs,
                            const void* node) {
  if (active == nullptr) return;
  const double end = active->now();
  const int64_t flops = active->flops_.total() - active->last_flops_;
  if (node != nullptr) active->node_flops_[node] = flops;
  active->events_.push_back({op, false, active->last_mark_, end - active->last_mark_, flops,
                             forward_bytes(output, inputs)});
  active->last_mark_ = end;
  active->last_flops_ = active->flops_.total();
}

double ProfileOps::backward_begin() { return active == nullptr ? 0.0 : active->now(); }

void ProfileOps::backward_end(const void* node, const std::string& op, double start,
                              const Tensor& grad_output, const std::vector<Tensor>& grads) {
  if (active == nullptr) return;
  const double end = active->now();
  const auto flops = active->node_flops_.find(node);
  const int64_t forward_flops = flops == active->node_flops_.end() ? 0 : flops->second;
  active->events_.push_back(
      {op, true, start, end - start, 2 * forward_flops, backward_bytes(grad_output, grads)});
  active->last_mark_ = end;
}

}  // namespace leuko
