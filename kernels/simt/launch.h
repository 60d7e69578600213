// Launching an emulated kernel: leuko_launch(kernel, grid, block, shared_bytes, stream,
// args...) is the emulator's <<<grid, block, shared_bytes, stream>>>(args...).
//
// The arguments are converted to the kernel's parameter types once, as CUDA does, and every
// thread calls the kernel with its own copies. The grid's blocks are spread over a small
// pool of OS threads (the calling thread and helpers, one per core, at least two in all);
// each runs whole blocks, one at a time, as fibers. The launch returns when every block
// has finished. A launch that breaks the device's limits runs nothing and sets the error
// that cudaGetLastError reports, as on a GPU.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kernels/simt/builtins.h"
#include "kernels/simt/runtime.h"

namespace leuko::simt {

// A kernel with its arguments bound, type-erased so that the runner is not a template:
// every thread of the grid calls invoke(closure).
struct KernelCall {
  void (*invoke)(const void* closure);
  const void* closure;
};

struct LaunchShape {
  api::dim3 grid;
  api::dim3 block;
  std::size_t dynamic_shared_bytes;
};

// Checks the launch against the device's limits, runs it, and records any error.
void launch_kernel(const KernelCall& kernel, const LaunchShape& shape, api::cudaStream_t stream);

// How many OS threads run blocks.
unsigned block_worker_count();

}  // namespace leuko::simt

template <typename... Params, typename... Args>
inline void leuko_launch(void (*kernel)(Params...), leuko::simt::api::dim3 grid,
                         leuko::simt::api::dim3 block, std::size_t shared_bytes,
                         leuko::simt::api::cudaStream_t stream, Args&&... args) {
  static_assert(sizeof...(Params) == sizeof...(Args),
                "leuko_launch: the number of arguments differs from the kernel's parameters");
  struct BoundKernel {
    void (*kernel)(Params...);
    std::tuple<std::decay_t<Params>...> arguments;
  };
  const BoundKernel bound{kernel, std::tuple<std::decay_t<Params>...>(std::forward<Args>(args)...)};
  const leuko::simt::KernelCall call{[](const void* closure) {
                                       const BoundKernel& self =
                                           *static_cast<const BoundKernel*>(closure);
                                       std::apply(self.kernel, self.arguments);
                                     },
                                     &bound};
  leuko::simt::launch_kernel(call, {grid, block, shared_bytes}, stream);
}
