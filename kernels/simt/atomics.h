// CUDA's atomic functions for the host compiler. Blocks run in parallel on several OS
// threads, so these must be real atomics: std::atomic_ref on the kernel's own memory, with
// relaxed ordering, which is what CUDA atomics promise too (__threadfence orders the rest).
// Each exists for exactly the types CUDA offers it for, so code that compiles here also
// compiles with nvcc (there is no float atomicMax: build it from atomicCAS, as on a GPU).
#pragma once

#include <atomic>
#include <concepts>
#include <type_traits>

namespace leuko::simt {

template <typename T, typename... Allowed>
concept OneOf = (std::same_as<T, Allowed> || ...);

template <typename T>
inline std::atomic_ref<T> atomic_at(T* address) {
  return std::atomic_ref<T>(*address);
}

// The old value; `better(candidate, current)` says when to replace.
template <typename T, typename Better>
inline T atomic_replace_if(T* address, T value, Better better) {
  std::atomic_ref<T> cell = atomic_at(address);
  T old = cell.load(std::memory_order_relaxed);
  while (better(value, old) && !cell.compare_exchange_weak(old, value, std::memory_order_relaxed)) {
  }
  return old;
}

}  // namespace leuko::simt

namespace leuko::simt::api {

// The value parameter is not deduced, so atomicAdd(int_pointer, 1u) converts like CUDA's
// overloads do instead of failing to deduce T.
template <typename T>
requires OneOf<T, int, unsigned int, unsigned long long, float, double>
inline T atomicAdd(T* address, std::type_identity_t<T> value) {
  return atomic_at(address).fetch_add(value, std::memory_order_relaxed);
}

template <typename T>
requires OneOf<T, int, unsigned int>
inline T atomicSub(T* address, std::type_identity_t<T> value) {
  return atomic_at(address).fetch_sub(value, std::memory_order_relaxed);
}

template <typename T>
requires OneOf<T, int, unsigned int, unsigned long long, float>
inline T atomicExch(T* address, std::type_identity_t<T> value) {
  return atomic_at(address).exchange(value, std::memory_order_relaxed);
}

// Returns the old value; stores `value` only where the old value equalled `compare`.
template <typename T>
requires OneOf<T, int, unsigned int, unsigned long long>
inline T atomicCAS(T* address, std::type_identity_t<T> compare, std::type_identity_t<T> value) {
  atomic_at(address).compare_exchange_strong(compare, value, std::memory_order_relaxed);
  return compare;  // compare_exchange wrote the old value into it
}

template <typename T>
requires OneOf<T, int, unsigned int, long long, unsigned long long>
inline T atomicMax(T* address, std::type_identity_t<T> value) {
  return atomic_replace_if(address, value, [](T a, T b) { return a > b; });
}

template <typename T>
requires OneOf<T, int, unsigned int, long long, unsigned long long>
inline T atomicMin(T* address, std::type_identity_t<T> value) {
  return atomic_replace_if(address, value, [](T a, T b) { return a < b; });
}

template <typename T>
requires OneOf<T, int, unsigned int, unsigned long long>
inline T atomicAnd(T* address, std::type_identity_t<T> value) {
  return atomic_at(address).fetch_and(value, std::memory_order_relaxed);
}

template <typename T>
requires OneOf<T, int, unsigned int, unsigned long long>
inline T atomicOr(T* address, std::type_identity_t<T> value) {
  return atomic_at(address).fetch_or(value, std::memory_order_relaxed);
}

template <typename T>
requires OneOf<T, int, unsigned int, unsigned long long>
inline T atomicXor(T* address, std::type_identity_t<T> value) {
  return atomic_at(address).fetch_xor(value, std::memory_order_relaxed);
}

// Orders this thread's memory operations as seen by other threads; fibers of one block
// share an OS thread, so both are the same full fence here.
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }

}  // namespace leuko::simt::api
