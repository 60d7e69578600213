// Block and warp synchronisation for emulated kernels: __syncthreads, __syncwarp, the warp
// shuffles and votes, and dynamic shared memory. They are thin wrappers over four calls into
// the block runner (block_runner.cpp), which switches fibers.
//
// A warp operation is an exchange: every lane named in the mask publishes one 64-bit value
// and waits (its fiber is suspended) until all of them have published; then each reads the
// value of the lane it wants. Shuffles read one lane's value, votes read them all.
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/simt/builtins.h"

namespace leuko::simt {

// Suspends the calling thread until every thread of its block has arrived (or returned).
void sync_threads();
// Publishes `value`, waits for every lane of `mask`, and returns this warp's 32 published
// values, indexed by lane.
const std::uint64_t* exchange_in_warp(unsigned mask, std::uint64_t value);
// The calling thread's lane (0..31), and how many lanes its warp has (fewer than 32 only in
// the last warp of a block whose size is not a multiple of 32).
unsigned lane_index();
unsigned lanes_in_warp();
// The running block's dynamic shared memory (the launch's shared_bytes, 128-byte aligned).
void* dynamic_shared_memory();

// The types CUDA shuffles: 4- and 8-byte integers and floating point.
template <typename T>
concept ShuffleValue = std::is_arithmetic_v<T> &&(sizeof(T) == 4 || sizeof(T) == 8);

// Exchanges `value` with the lanes of `mask` and returns lane `source`'s; a lane the warp
// does not have gives back the caller's own value.
template <ShuffleValue T>
inline T shuffle_from_lane(unsigned mask, T value, unsigned source) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  const std::uint64_t* published = exchange_in_warp(mask, bits);
  if (source >= lanes_in_warp()) return value;
  T result;
  std::memcpy(&result, &published[source], sizeof(T));
  return result;
}

}  // namespace leuko::simt

namespace leuko::simt::api {

inline void __syncthreads() { ::leuko::simt::sync_threads(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { ::leuko::simt::exchange_in_warp(mask, 0); }

// The lanes are split into segments of `width` (a power of two <= 32); each shuffle stays
// within the caller's segment, as CUDA defines it.

// The value of lane `source_lane` (modulo width) of the caller's segment.
template <ShuffleValue T>
inline T __shfl_sync(unsigned mask, T value, int source_lane, int width = warpSize) {
  const unsigned lane = lane_index();
  const unsigned segment_start = lane & ~static_cast<unsigned>(width - 1);
  return shuffle_from_lane(mask, value, segment_start + (source_lane & (width - 1)));
}

// The value of the lane `delta` below; lanes without one keep their own.
template <ShuffleValue T>
inline T __shfl_up_sync(unsigned mask, T value, unsigned delta, int width = warpSize) {
  const unsigned lane = lane_index();
  const unsigned in_segment = lane & static_cast<unsigned>(width - 1);
  return shuffle_from_lane(mask, value, in_segment >= delta ? lane - delta : lane);
}

// The value of the lane `delta` above; lanes without one keep their own.
template <ShuffleValue T>
inline T __shfl_down_sync(unsigned mask, T value, unsigned delta, int width = warpSize) {
  const unsigned lane = lane_index();
  const unsigned in_segment = lane & static_cast<unsigned>(width - 1);
  return shuffle_from_lane(mask, value,
                           in_segment + delta < static_cast<unsigned>(width) ? lane + delta : lane);
}

// The value of lane (lane XOR lane_mask); a lane in a later segment is out of reach and
// the caller keeps its own value.
template <ShuffleValue T>
inline T __shfl_xor_sync(unsigned mask, T value, int lane_mask, int width = warpSize) {
  const unsigned lane = lane_index();
  const unsigned segment_end = (lane & ~static_cast<unsigned>(width - 1)) + width;
  const unsigned source = lane ^ static_cast<unsigned>(lane_mask);
  return shuffle_from_lane(mask, value, source < segment_end ? source : lane);
}

// Bit i is set when lane i is in `mask` and its predicate is non-zero.
inline unsigned __ballot_sync(unsigned mask, int predicate) {
  const std::uint64_t* published = ::leuko::simt::exchange_in_warp(mask, predicate != 0);
  unsigned votes = 0;
  for (unsigned lane = 0; lane < lanes_in_warp(); ++lane) {
    if ((mask >> lane & 1u) && published[lane] != 0) votes |= 1u << lane;
  }
  return votes;
}

inline int __any_sync(unsigned mask, int predicate) { return __ballot_sync(mask, predicate) != 0; }

inline int __all_sync(unsigned mask, int predicate) {
  const unsigned present = lanes_in_warp() == 32 ? 0xffffffffu : (1u << lanes_in_warp()) - 1u;
  return __ballot_sync(mask, predicate) == (mask & present);
}

}  // namespace leuko::simt::api
