// The CUDA built-in names a kernel uses, for the host compiler: the function qualifiers,
// the vector types (uint3, dim3, float4, ...), the thread coordinates (threadIdx, blockIdx,
// blockDim, gridDim, warpSize) and static __shared__ memory.
#pragma once

// ---- Qualifiers: everything is host code here, so they mean nothing -----------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
// Constant memory is an ordinary global; cudaMemcpyToSymbol writes it.
#define __constant__
// One copy per running block: a block-scope thread_local is implicitly static, so it is one
// variable per OS thread, and an OS thread runs one block at a time. Every fiber (CUDA
// thread) of that block runs on that OS thread and so sees the same copy. (__restrict__ is
// already a g++ keyword; __noinline__ is left alone because libstdc++ spells
// __attribute__((__noinline__)).)
#define __shared__ thread_local

namespace leuko::simt::api {

struct uint3 {
  unsigned int x, y, z;
};

// A launch extent; unset components are 1, as in CUDA.
struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int nx = 1, unsigned int ny = 1, unsigned int nz = 1)
      : x(nx), y(ny), z(nz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
};

// The vector types kernels load and store in one go, with CUDA's alignments.
struct __align__(8) float2 {
  float x, y;
};
struct __align__(16) float4 {
  float x, y, z, w;
};
struct __align__(8) int2 {
  int x, y;
};
struct __align__(16) int4 {
  int x, y, z, w;
};

inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline uint3 make_uint3(unsigned int x, unsigned int y, unsigned int z) { return {x, y, z}; }

inline constexpr int warpSize = 32;

}  // namespace leuko::simt::api

namespace leuko::simt {

// Where the running CUDA thread is. The block runner writes these before it resumes a
// fiber (thread index) or starts a block (the others); constinit makes every read a single
// TLS load, with no initialisation check.
inline thread_local constinit api::uint3 current_thread_idx{0, 0, 0};
inline thread_local constinit api::uint3 current_block_idx{0, 0, 0};
inline thread_local constinit api::dim3 current_block_dim{1, 1, 1};
inline thread_local constinit api::dim3 current_grid_dim{1, 1, 1};

}  // namespace leuko::simt

// Read-only, like CUDA's built-in variables.
#define threadIdx (static_cast<const ::leuko::simt::api::uint3&>(::leuko::simt::current_thread_idx))
#define blockIdx (static_cast<const ::leuko::simt::api::uint3&>(::leuko::simt::current_block_idx))
#define blockDim (static_cast<const ::leuko::simt::api::dim3&>(::leuko::simt::current_block_dim))
#define gridDim (static_cast<const ::leuko::simt::api::dim3&>(::leuko::simt::current_grid_dim))
