// Timing a training step op by op: while a ProfileOps is alive on this thread, every op's
// forward and every autograd node's backward becomes one Event with its time, FLOPs
// (engine/flop_count.h) and the bytes of its tensors. How `leuko profile` breaks a step down.
//
// A forward op is timed from the end of the previous op (or mark()) to the moment it
// records its node, so the forward events tile the forward pass with nothing counted twice;
// the glue between ops (a reshape's bookkeeping) goes to the op that follows it. A node's
// backward is timed around its closure. On a CUDA device each event waits for the device
// (synchronize), so the times are the kernels' and not their launches'.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/flop_count.h"
#include "engine/tensor.h"

namespace leuko {

class ProfileOps {
 public:
  struct Event {
    std::string op;
    bool backward;
    double start, seconds;  // start: seconds since the ProfileOps began
    int64_t flops;          // forward: counted; backward: 2x the forward's (two products)
    int64_t bytes;  // forward: its float32 inputs and output; backward: gradients in and out
  };

  explicit ProfileOps(Device device);
  ~ProfileOps();
  ProfileOps(const ProfileOps&) = delete;
  ProfileOps& operator=(const ProfileOps&) = delete;

  // Seconds since this ProfileOps began; mark() also starts the next forward op's time there
  // and returns it.
  double now() const;
  double mark();

  const std::vector<Event>& events() const { return events_; }

  // Called by autograd (record() and run_backward()); do nothing when no ProfileOps is alive.
  // `node` is the op's autograd node (null when it recorded none), so that its backward can
  // be given the forward's FLOPs.
  static void forward_op(const char* op, const Tensor& output, const std::vector<Tensor>& inputs,
                         const void* node);
  static double backward_begin();  // the start time, for backward_end
  static void backward_end(const void* node, const std::string& op, double start,
                           const Tensor& grad_output, const std::vector<Tensor>& grads);

 private:
  Device device_;
  std::chrono::steady_clock::time_point origin_;
  double last_mark_ = 0.0;
  int64_t last_flops_ = 0;
  CountFlops flops_;
  std::vector<Event> events_;
  std::unordered_map<const void*, int64_t> node_flops_;
  ProfileOps* outer_;
};

}  // namespace leuko
