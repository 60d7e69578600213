// The project's tiled GEMM, the one loop behind the dense GEMM (matmul.cu) and the
// implicit-GEMM convolutions (conv2d.cu, conv_batch_norm_relu.cu): for every z = blockIdx.z,
//     C[z][row, col] = sum_k A[z][row, k] * B[z][k, col]
// where A, B and what happens to each finished C element come from a "problem" type, so
// the same loop reads a transposed matrix, a strided batch, or an image seen as its im2col
// matrix without ever materialising it.
//
// How work is split: a block of 16x16 threads computes a 64x64 tile of C. It walks K in
// slices of 16: all 256 threads stage the 64x16 slice of A and the 16x64 slice of B in
// shared memory (4 elements of each per thread), synchronize, and each thread accumulates
// a 4x4 block of C in registers (register blocking: 8 shared-memory reads feed 16 FMAs).
// Thread (tx, ty) owns rows ty + 16 i and columns tx + 16 j, so a warp's reads of the B
// slice and its stores to C touch consecutive addresses. Tails (M, N, K not multiples of
// the tile) are loaded as zeros and never stored.
// Cost: 2 M N K flops per z; global reads M K (N / 64) + K N (M / 64) elements, since each
// A element is read once per column tile and each B element once per row tile.
//
// A problem type provides (all called only inside the bounds):
//   int rows, cols, depth;                                           M, N, K
//   __device__ float a(int z, int row, int k) const;
//   __device__ float b(int z, int k, int col) const;
//   __device__ void store(int z, int row, int col, float sum) const;  the epilogue
#pragma once

#include <stdexcept>
#include <string>

#include "kernels/cuda/common.cuh"

namespace leuko::LEUKO_CUDA_NS {

constexpr int kGemmTile = 64;                               // rows and columns of C per block
constexpr int kGemmDepth = 16;                              // K per shared-memory slice
constexpr int kGemmThreads1D = 16;                          // the block is 16 x 16 threads
constexpr int kGemmPerThread = kGemmTile / kGemmThreads1D;  // 4x4 outputs per thread

// The main loop: accumulates this thread's 4x4 block of C for the block's tile, rows
// blockIdx.y * 64 + threadIdx.y + 16 i and columns blockIdx.x * 64 + threadIdx.x + 16 j
// (zeros past the edges). Every thread of the block must call it (it holds barriers); a
// kernel with its own epilogue (conv_batch_norm_relu.cu's statistics-gathering forward) calls it
// too.
template <typename Problem>
__device__ __forceinline__ void tiled_gemm_accumulate(
    const Problem& problem, float (&sum)[kGemmPerThread][kGemmPerThread]) {
  // a_slice is stored [k][row] so the inner loop reads rows of it; the +1 column staggers
  // the banks the staging writes (consecutive threads, consecutive k) land in.
  __shared__ float a_slice[kGemmDepth][kGemmTile + 1];
  __shared__ float b_slice[kGemmDepth][kGemmTile];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int thread = ty * kGemmThreads1D + tx;
  const int threads = kGemmThreads1D * kGemmThreads1D;
  const int z = blockIdx.z;
  const int row0 = blockIdx.y * kGemmTile, col0 = blockIdx.x * kGemmTile;

  for (int k0 = 0; k0 < problem.depth; k0 += kGemmDepth) {
    // Consecutive threads take consecutive k of A (contiguous in a row-major A) and
    // consecutive columns of B, so the common layouts load coalesced.
    for (int e = thread; e < kGemmTile * kGemmDepth; e += threads) {
      const int r = e / kGemmDepth, kk = e % kGemmDepth;
      const int row = row0 + r, k = k0 + kk;
      a_slice[kk][r] = row < problem.rows && k < problem.depth ? problem.a(z, row, k) : 0.0f;
    }
    for (int e = thread; e < kGemmTile * kGemmDepth; e += threads) {
      const int kk = e / kGemmTile, c = e % kGemmTile;
      const int k = k0 + kk, col = col0 + c;
      b_slice[kk][c] = k < problem.depth && col < problem.cols ? problem.b(z, k, col) : 0.0f;
    }
    __syncthreads();
    for (int kk = 0; kk < kGemmDepth; ++kk) {
      float a_values[kGemmPerThread], b_values[kGemmPerThread];
      for (int i = 0; i < kGemmPerThread; ++i) a_values[i] = a_slice[kk][ty + kGemmThreads1D * i];
      for (int j = 0; j < kGemmPerThread; ++j) b_values[j] = b_slice[kk][tx + kGemmThreads1D * j];
      for (int i = 0; i < kGemmPerThread; ++i) {
        for (int j = 0; j < kGemmPerThread; ++j) sum[i][j] += a_values[i] * b_values[j];
      }
    }
    __syncthreads();  // the slices are overwritten by the next step
  }
}

template <typename Problem>
__global__ void tiled_gemm_kernel(Problem problem) {
  float sum[kGemmPerThread][kGemmPerThread] = {};
  tiled_gemm_accumulate(problem, sum);
  const int tx = threadIdx.x, ty = threadIdx.y, z = blockIdx.z;
  const int row0 = blockIdx.y * kGemmTile, col0 = blockIdx.x * kGemmTile;
  for (int i = 0; i < kGemmPerThread; ++i) {
    const int row = row0 + ty + kGemmThreads1D * i;
    for (int j = 0; j < kGemmPerThread; ++j) {
      const int col = col0 + tx + kGemmThreads1D * j;
      if (row < problem.rows && col < problem.cols) problem.store(z, row, col, sum[i][j]);
    }
  }
}

// Launches the kernel over `batch` problems (blockIdx.z) and checks the launch.
template <typename Problem>
void launch_tiled_gemm(const Problem& problem, int batch, const char* kernel_name) {
  if (problem.rows <= 0 || problem.cols <= 0 || batch <= 0) return;
  if (batch > 65535) throw std::runtime_error(std::string(kernel_name) + ": batch above 65535");
  const dim3 grid((problem.cols + kGemmTile - 1) / kGemmTile,
                  (problem.rows + kGemmTile - 1) / kGemmTile, batch);
  leuko_launch(tiled_gemm_kernel<Problem>, grid, dim3(kGemmThreads1D, kGemmThreads1D), 0,
               current_stream(), problem);
  check_launch(kernel_name);
}

}  // namespace leuko::LEUKO_CUDA_NS
