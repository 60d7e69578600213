// The program that docs/gdb_walkthrough.md steps through: the project's tiled GEMM kernel
// (kernels/cuda/tiled_gemm.cuh, unchanged) on one 64x64 tile of C with K = 32, so one
// block of 16x16 threads walks two 16-deep slices of K. It runs under the SIMT emulator,
// built without optimisation and with debug information (CMakeLists.txt), so gdb can break
// on one CUDA thread, print its shared memory and follow the barrier from fiber to fiber.
// It checks the product against three plain loops and exits with 1 if they differ.
#include <cmath>
#include <cstdio>
#include <vector>

#include "kernels/cuda/tiled_gemm.cuh"

namespace {

// A row-major C[M, N] = A[M, K] x B[K, N]: the simplest problem the GEMM loop accepts.
// matmul.cu's DenseProblem is the full one (strides, transposes, batches, alpha, beta,
// bias); this one keeps only what a reader stepping through one tile needs to see.
struct RowMajorProduct {
  int rows, cols, depth;
  const float* a_data;
  const float* b_data;
  float* c_data;
  __device__ float a(int, int row, int k) const { return a_data[row * depth + k]; }
  __device__ float b(int, int k, int col) const { return b_data[k * cols + col]; }
  __device__ void store(int, int row, int col, float sum) const { c_data[row * cols + col] = sum; }
};

float* to_device(const std::vector<float>& host) {
  float* device = nullptr;
  cudaMalloc(&device, host.size() * sizeof(float));
  cudaMemcpy(device, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice);
  return device;
}

}  // namespace

int main() {
  const int m = 64, n = 64, k = 32;
  // Small integers, so every sum is exact and the kernel must match the loops bit for bit.
  std::vector<float> a(m * k), b(k * n);
  for (int i = 0; i < m * k; ++i) a[i] = static_cast<float>(i % 7 - 3);
  for (int i = 0; i < k * n; ++i) b[i] = static_cast<float>(i % 5 - 2);

  float* a_device = to_device(a);
  float* b_device = to_device(b);
  float* c_device = to_device(std::vector<float>(m * n, 0.0f));
  const RowMajorProduct problem{m, n, k, a_device, b_device, c_device};
  const dim3 one_block(1, 1, 1),
      threads(leuko::cuda_emu::kGemmThreads1D, leuko::cuda_emu::kGemmThreads1D);
  leuko_launch(leuko::cuda_emu::tiled_gemm_kernel<RowMajorProduct>, one_block, threads, 0, nullptr,
               problem);
  if (cudaGetLastError() != cudaSuccess) {
    std::fprintf(stderr, "tiled_gemm_walkthrough: the launch failed\n");
    return 1;
  }
  std::vector<float> c(m * n);
  cudaMemcpy(c.data(), c_device, c.size() * sizeof(float), cudaMemcpyDeviceToHost);
  cudaFree(a_device);
  cudaFree(b_device);
  cudaFree(c_device);

  float largest_difference = 0.0f;
  for (int row = 0; row < m; ++row) {
    for (int col = 0; col < n; ++col) {
      float sum = 0.0f;
      for (int i = 0; i < k; ++i) sum += a[row * k + i] * b[i * n + col];
      largest_difference = std::fmax(largest_difference, std::fabs(sum - c[row * n + col]));
    }
  }
  std::printf("C = A x B, one 64x64 tile, K = 32: largest |kernel - loops| = %g\n",
              largest_difference);
  return largest_difference == 0.0f ? 0 : 1;
}
