#include "kernels/simt/launch.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kernels/simt/block_runner.h"

namespace leuko::simt {

namespace {

// Runs grids on the calling thread plus `helper_count` helper threads: each takes the next
// block number from a shared counter until none is left. Every OS thread has its own
// BlockRunner, so its own fiber stacks and its own copies of shared memory.
class BlockWorkers {
 public:
  explicit BlockWorkers(unsigned helper_count) {
    for (unsigned id = 0; id < helper_count; ++id) helpers_.emplace_back([this, id] { help(id); });
  }

  ~BlockWorkers() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& helper : helpers_) helper.join();
  }

  unsigned size() const { return static_cast<unsigned>(helpers_.size()) + 1; }

  // Runs every block of the grid; returns the first deadlock's description, or "".
  std::string run_grid(const KernelCall& kernel, const LaunchShape& shape) {
    std::lock_guard one_grid_at_a_time(launch_mutex_);
    const std::uint64_t blocks = std::uint64_t{shape.grid.x} * shape.grid.y * shape.grid.z;
    {
      std::lock_guard lock(mutex_);
      kernel_ = &kernel;
      shape_ = shape;
      block_count_ = blocks;
      next_block_.store(0, std::memory_order_relaxed);
      failed_.store(false, std::memory_order_relaxed);
      failure_.clear();
      // A one-block grid wakes no one: waking a thread costs more than a small block.
      helpers_wanted_ = static_cast<unsigned>(std::min<std::uint64_t>(helpers_.size(), blocks - 1));
      helpers_busy_ = helpers_wanted_;
      ++generation_;
    }
    if (helpers_wanted_ > 0) wake_.notify_all();
    run_blocks(caller_runner());
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return helpers_busy_ == 0; });  // also publishes their writes
    return failure_;
  }

 private:
  static BlockRunner& caller_runner() {
    static thread_local std::unique_ptr<BlockRunner> runner;
    if (!runner) runner = std::make_unique<BlockRunner>();
    return *runner;
  }

  void help(unsigned id) {
    auto runner = std::make_unique<BlockRunner>();
    std::uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      if (id >= helpers_wanted_) continue;
      lock.unlock();
      run_blocks(*runner);
      lock.lock();
      if (--helpers_busy_ == 0) done_.notify_one();
    }
  }

  void run_blocks(BlockRunner& runner) {
    const api::dim3 grid = shape_.grid;
    while (!failed_.load(std::memory_order_relaxed)) {
      const std::uint64_t block = next_block_.fetch_add(1, std::memory_order_relaxed);
      if (block >= block_count_) return;
      const api::uint3 index{static_cast<unsigned>(block % grid.x),
                             static_cast<unsigned>(block / grid.x % grid.y),
                             static_cast<unsigned>(block / (std::uint64_t{grid.x} * grid.y))};
      std::string deadlock = runner.run(*kernel_, shape_, index);
      if (!deadlock.empty()) {
        std::lock_guard lock(mutex_);
        if (!failed_.exchange(true)) failure_ = std::move(deadlock);  // later blocks are skipped
      }
    }
  }

  std::vector<std::thread> helpers_;
  std::mutex launch_mutex_;
  std::mutex mutex_;  // guards everything below that is not atomic
  std::condition_variable wake_, done_;
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
  unsigned helpers_wanted_ = 0, helpers_busy_ = 0;
  const KernelCall* kernel_ = nullptr;
  LaunchShape shape_{};
  std::uint64_t block_count_ = 0;
  std::atomic<std::uint64_t> next_block_{0};
  std::atomic<bool> failed_{false};
  std::string failure_;
};

BlockWorkers& workers() {
  // One OS thread per core, and at least two, so that blocks really do run concurrently.
  static BlockWorkers pool(std::max(2u, std::thread::hardware_concurrency()) - 1);
  return pool;
}

// The error CUDA gives a launch that breaks the device's limits, or cudaSuccess.
api::cudaError_t check_launch(const LaunchShape& shape) {
  const unsigned block[3] = {shape.block.x, shape.block.y, shape.block.z};
  const unsigned grid[3] = {shape.grid.x, shape.grid.y, shape.grid.z};
  for (int axis = 0; axis < 3; ++axis) {
    if (block[axis] == 0 || block[axis] > max_block_dim[axis])
      return api::cudaErrorInvalidConfiguration;
    if (grid[axis] == 0 || grid[axis] > max_grid_dim[axis])
      return api::cudaErrorInvalidConfiguration;
  }
  if (std::uint64_t{block[0]} * block[1] * block[2] > max_threads_per_block)
    return api::cudaErrorInvalidConfiguration;
  if (shape.dynamic_shared_bytes > max_shared_bytes_per_block) return api::cudaErrorInvalidValue;
  return api::cudaSuccess;
}

}  // namespace

unsigned block_worker_count() { return workers().size(); }

void launch_kernel(const KernelCall& kernel, const LaunchShape& shape, api::cudaStream_t stream) {
  if (const api::cudaError_t error = check_launch(shape); error != api::cudaSuccess) {
    record_error(error);
    return;
  }
  // The work queued on the stream before the launch comes first (runtime.h); the launch
  // itself finishes before it returns.
  if (order_launch_on(stream) != api::cudaSuccess) return;
  const std::string deadlock = workers().run_grid(kernel, shape);
  if (!deadlock.empty()) {
    std::fprintf(stderr, "leuko simt: %s\n", deadlock.c_str());
    record_kernel_fault(api::cudaErrorLaunchFailure);
  }
}

}  // namespace leuko::simt
