// Fiber switches announced to AddressSanitizer. ASan keeps the bounds of the stack each OS
// thread runs on: it needs them to clear a stack's poisoned redzones when an exception
// unwinds it and to tell stack addresses from heap ones in its reports. A Boost.Context
// switch changes stacks behind its back (Boost annotates only its ucontext variant, not the
// fcontext one used here), so every switch is announced: start_switch() just before it,
// naming the stack about to run, and finish_switch() just after it, on the new stack.
// Without ASan both are empty and vanish.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)  // GCC
#define LEUKO_SIMT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  // Clang
#define LEUKO_SIMT_ASAN 1
#endif
#endif

#ifdef LEUKO_SIMT_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace leuko::simt {

struct StackBounds {
  const void* bottom = nullptr;  // lowest address
  std::size_t size = 0;
};

// `fake_stack` keeps the leaving side's fake frames (ASan's stack-use-after-return
// detection) until it runs again; nullptr when the leaving side never runs again.
inline void start_switch([[maybe_unused]] void** fake_stack, [[maybe_unused]] StackBounds to) {
#ifdef LEUKO_SIMT_ASAN
  __sanitizer_start_switch_fiber(fake_stack, to.bottom, to.size);
#endif
}

// `from`, when given, receives the bounds of the stack the switch came from.
inline void finish_switch([[maybe_unused]] void* fake_stack, [[maybe_unused]] StackBounds* from) {
#ifdef LEUKO_SIMT_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, from ? &from->bottom : nullptr,
                                  from ? &from->size : nullptr);
#endif
}

}  // namespace leuko::simt
