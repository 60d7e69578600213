// SSIM forward and backward on the GPU (the math and its derivation: kernels/cpu/ssim.cpp).
//
// How the work is split. A block owns a tile of 32 x 8 positions of one (sample, channel)
// plane, one thread per position; the grid is (tiles across, tiles down, planes).
//   Forward, one fused pass: the block stages the 42 x 18 input patch its tile needs (the
//   tile plus the 10-pixel halo of the 11-tap window) of x and y in shared memory, filters
//   it horizontally into five moment rows (mu_x, mu_y, x^2, y^2, xy; 18 x 32 each, also in
//   shared memory), then each thread filters its column of those vertically, computes its
//   SSIM value in double and the block sums the values (warp shuffles, then one value per
//   warp). A second, one-block kernel adds the per-block sums in a fixed order (so the result
//   is deterministic) and writes the mean, or 1 - the mean, as one float.
//   Backward, two kernels: the first repeats the forward's tile pass and writes, instead of
//   the SSIM value, the coefficient maps a_x, a_y, b, c of the derivation (dS/d moment) to
//   a scratch buffer; the second, tiled over the INPUT planes, stages the 42 x 18 patch of
//   each needed map that reaches its 32 x 8 inputs (the transposed window looks up and left:
//   input q receives from map positions q-10 .. q), applies the transposed Gaussian
//   horizontally then vertically through shared memory, and combines the results with x and y.
// The separable passes add their 11 taps in the same order as the CPU kernel, in float; the
// per-position SSIM arithmetic is in double, as on the CPU.
//
// Cost per map position (32 x 8 tiles). Forward: 2 x 42 x 18 / 256 = 5.9 input loads (most
// from cache: 8 bytes per pixel from DRAM), 5 moments x 11 taps x (18/8 horizontal rows +
// 1 vertical) = 179 multiply-adds in float, ~30 double operations. Backward: the same, plus
// 16 bytes written per map position; then per input pixel 4 maps x (11 x 18/8 + 11) = 143
// multiply-adds, 16 bytes of maps read (mostly cached), 8 bytes of x, y read, 4-8 written.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/device_scratch.cuh"
#include "kernels/cuda/ssim.h"

#include <cmath>
#include <string>

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr int kTaps = 11;
constexpr int kHalo = kTaps - 1;
constexpr int kTileWidth = 32;  // one warp per tile row: coalesced loads and stores
constexpr int kTileHeight = 8;
constexpr int kThreads = kTileWidth * kTileHeight;
constexpr int kWarps = kThreads / 32;
constexpr int kPatchWidth = kTileWidth + kHalo;    // 42
constexpr int kPatchHeight = kTileHeight + kHalo;  // 18

// The 1-D window, passed by value (kernel arguments sit in the constant bank).
struct Window {
  float taps[kTaps];
};

// g[k] proportional to exp(-(k - 5)^2 / (2 sigma^2)), normalized in double and rounded once:
// the same floats as the CPU kernel's.
Window gaussian_window(bool reversed) {
  double weights[kTaps], total = 0.0;
  for (int k = 0; k < kTaps; ++k) {
    const double offset = k - kTaps / 2;
    weights[k] = std::exp(-offset * offset / (2.0 * 1.5 * 1.5));
    total += weights[k];
  }
  Window window;
  for (int k = 0; k < kTaps; ++k) {
    window.taps[reversed ? kTaps - 1 - k : k] = static_cast<float>(weights[k] / total);
  }
  return window;
}

struct Stabilizers {
  double c1, c2;
};

Stabilizers stabilizers(float data_range) {
  return {(0.01 * data_range) * (0.01 * data_range), (0.03 * data_range) * (0.03 * data_range)};
}

enum Moment { kMuX, kMuY, kXX, kYY, kXY, kMoments };
enum Coefficient { kAx, kAy, kB, kC, kCoefficients };

// Shared memory of the moment pass: the input patch, then its horizontally filtered rows.
struct MomentTile {
  float x[kPatchHeight][kPatchWidth];
  float y[kPatchHeight][kPatchWidth];
  float rows[kMoments][kPatchHeight][kTileWidth];
};

__device__ int thread_in_block() { return threadIdx.y * blockDim.x + threadIdx.x; }

// The five moments at this thread's position (row0 + threadIdx.y, col0 + threadIdx.x) of the
// plane (x, y). Positions outside the map get finite garbage (the patch is zero-filled past
// the image). Every thread of the block must call it: it has barriers.
__device__ void tile_moments(const float* x, const float* y, int height, int width, int row0,
                             int col0, const Window& g, MomentTile& tile, float* moments) {
  for (int i = thread_in_block(); i < kPatchHeight * kPatchWidth; i += kThreads) {
    const int r = i / kPatchWidth, c = i % kPatchWidth;
    const int row = row0 + r, col = col0 + c;
    const bool inside = row < height && col < width;
    tile.x[r][c] = inside ? x[static_cast<int64_t>(row) * width + col] : 0.0f;
    tile.y[r][c] = inside ? y[static_cast<int64_t>(row) * width + col] : 0.0f;
  }
  __syncthreads();
  // Horizontal pass: 18 rows x 32 columns, each 11 taps wide.
  for (int i = thread_in_block(); i < kPatchHeight * kTileWidth; i += kThreads) {
    const int r = i / kTileWidth, c = i % kTileWidth;
    float sums[kMoments] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    for (int k = 0; k < kTaps; ++k) {
      const float xv = tile.x[r][c + k], yv = tile.y[r][c + k], w = g.taps[k];
      sums[kMuX] += w * xv;
      sums[kMuY] += w * yv;
      sums[kXX] += w * (xv * xv);
      sums[kYY] += w * (yv * yv);
      sums[kXY] += w * (xv * yv);
    }
    for (int m = 0; m < kMoments; ++m) tile.rows[m][r][c] = sums[m];
  }
  __syncthreads();
  // Vertical pass: this thread's column, rows threadIdx.y .. threadIdx.y + 10.
  for (int m = 0; m < kMoments; ++m) {
    float sum = 0.0f;
    for (int k = 0; k < kTaps; ++k) sum += g.taps[k] * tile.rows[m][threadIdx.y + k][threadIdx.x];
    moments[m] = sum;
  }
}

// The terms of S = l * cs at one position, in double (see kernels/cpu/ssim.cpp).
struct SsimTerms {
  double mx, my, inv_b1, inv_b2, l, cs;
};

__device__ SsimTerms ssim_terms(const float* moments, const Stabilizers& c) {
  SsimTerms t;
  t.mx = moments[kMuX];
  t.my = moments[kMuY];
  const double var_x = moments[kXX] - t.mx * t.mx;
  const double var_y = moments[kYY] - t.my * t.my;
  const double cov = moments[kXY] - t.mx * t.my;
  t.inv_b1 = 1.0 / (t.mx * t.mx + t.my * t.my + c.c1);
  t.inv_b2 = 1.0 / (var_x + var_y + c.c2);
  t.l = (2.0 * t.mx * t.my + c.c1) * t.inv_b1;
  t.cs = (2.0 * cov + c.c2) * t.inv_b2;
  return t;
}

// The sum of `value` over the block, valid in thread 0. Every thread of the block must call
// it (barrier, full-warp shuffles). `warp_sums` is shared memory for one double per warp.
__device__ double block_sum(double value, double* warp_sums) {
  const int thread = thread_in_block(), lane = thread % 32, warp = thread / 32;
  const int warps = (blockDim.x * blockDim.y + 31) / 32;
  for (int offset = 16; offset > 0; offset /= 2) {
    value += __shfl_down_sync(0xffffffffu, value, offset);
  }
  if (lane == 0) warp_sums[warp] = value;
  __syncthreads();
  if (warp == 0) {
    value = lane < warps ? warp_sums[lane] : 0.0;
    for (int offset = 16; offset > 0; offset /= 2) {
      value += __shfl_down_sync(0xffffffffu, value, offset);
    }
  }
  return value;
}

// ---- forward -------------------------------------------------------------------------------

// block_sums[block] = the sum of S over the block's tile (positions inside the map only).
__global__ void ssim_tile_sums_kernel(const float* x, const float* y, int height, int width,
                                      Window g, Stabilizers c, double* block_sums) {
  __shared__ MomentTile tile;
  __shared__ double warp_sums[kWarps];
  const int64_t plane_offset = static_cast<int64_t>(blockIdx.z) * height * width;
  const int row0 = blockIdx.y * kTileHeight, col0 = blockIdx.x * kTileWidth;
  float moments[kMoments];
  tile_moments(x + plane_offset, y + plane_offset, height, width, row0, col0, g, tile, moments);
  const int i = row0 + threadIdx.y, j = col0 + threadIdx.x;
  double value = 0.0;
  if (i < height - kHalo && j < width - kHalo) {
    const SsimTerms t = ssim_terms(moments, c);
    value = t.l * t.cs;
  }
  value = block_sum(value, warp_sums);
  if (thread_in_block() == 0) {
    const int64_t block =
        (static_cast<int64_t>(blockIdx.z) * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    block_sums[block] = value;
  }
}

// out[0] = the mean (sum / positions), or 1 - it; one block, each thread first adding a
// strided share of the block sums.
__global__ void ssim_mean_kernel(const double* block_sums, int64_t count, double positions,
                                 bool as_loss, float* out) {
  __shared__ double warp_sums[kWarps];
  double value = 0.0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) value += block_sums[i];
  value = block_sum(value, warp_sums);
  if (threadIdx.x == 0) {
    const double mean = value / positions;
    out[0] = static_cast<float>(as_loss ? 1.0 - mean : mean);
  }
}

// ---- backward ------------------------------------------------------------------------------

// maps[k][plane][i][j] for the four coefficients (layout: kCoefficients x planes x map).
__global__ void ssim_coefficients_kernel(const float* x, const float* y, int height, int width,
                                         Window g, Stabilizers c, float* maps, int64_t map_stride) {
  __shared__ MomentTile tile;
  const int64_t plane_offset = static_cast<int64_t>(blockIdx.z) * height * width;
  const int row0 = blockIdx.y * kTileHeight, col0 = blockIdx.x * kTileWidth;
  float moments[kMoments];
  tile_moments(x + plane_offset, y + plane_offset, height, width, row0, col0, g, tile, moments);
  const int out_height = height - kHalo, out_width = width - kHalo;
  const int i = row0 + threadIdx.y, j = col0 + threadIdx.x;
  if (i >= out_height || j >= out_width) return;  // no barrier or shuffle follows
  const SsimTerms t = ssim_terms(moments, c);
  const double two_b1 = 2.0 * t.inv_b1, two_b2 = 2.0 * t.inv_b2;
  float* at = maps + static_cast<int64_t>(blockIdx.z) * out_height * out_width +
              static_cast<int64_t>(i) * out_width + j;
  at[kAx * map_stride] =
      static_cast<float>(two_b1 * t.cs * (t.my - t.mx * t.l) + two_b2 * t.l * (t.mx * t.cs - t.my));
  at[kAy * map_stride] =
      static_cast<float>(two_b1 * t.cs * (t.mx - t.my * t.l) + two_b2 * t.l * (t.my * t.cs - t.mx));
  at[kB * map_stride] = static_cast<float>(-t.l * t.cs * t.inv_b2);
  at[kC * map_stride] = static_cast<float>(2.0 * t.l * t.inv_b2);
}

// Shared memory of the adjoint pass: the coefficient patches, then their horizontal spreads.
struct SpreadTile {
  float maps[kCoefficients][kPatchHeight][kPatchWidth];
  float rows[kCoefficients][kPatchHeight][kTileWidth];
};

// grad_x = scale [G^T a_x + 2 x G^T b + y G^T c], grad_y = scale [G^T a_y + 2 y G^T b + x G^T c]
// for the block's 32 x 8 input pixels; g_adjoint is the reversed window.
__global__ void ssim_spread_kernel(const float* x, const float* y, int height, int width,
                                   Window g_adjoint, const float* maps, int64_t map_stride,
                                   const float* grad_out, float grad_sign, double positions,
                                   float* grad_x, float* grad_y) {
  __shared__ SpreadTile tile;
  const int out_height = height - kHalo, out_width = width - kHalo;
  const int row0 = blockIdx.y * kTileHeight, col0 = blockIdx.x * kTileWidth;
  const float* plane_maps = maps + static_cast<int64_t>(blockIdx.z) * out_height * out_width;
  // a_x only for grad_x, a_y only for grad_y: the choice is the same for the whole grid.
  const bool active[kCoefficients] = {grad_x != nullptr, grad_y != nullptr, true, true};

  // Map positions (row0 - 10 + r, col0 - 10 + c); zero outside the map.
  for (int i = thread_in_block(); i < kPatchHeight * kPatchWidth; i += kThreads) {
    const int r = i / kPatchWidth, c = i % kPatchWidth;
    const int row = row0 - kHalo + r, col = col0 - kHalo + c;
    const bool inside = row >= 0 && row < out_height && col >= 0 && col < out_width;
    const int64_t offset = static_cast<int64_t>(row) * out_width + col;
    for (int k = 0; k < kCoefficients; ++k) {
      if (active[k]) tile.maps[k][r][c] = inside ? plane_maps[k * map_stride + offset] : 0.0f;
    }
  }
  __syncthreads();
  for (int i = thread_in_block(); i < kPatchHeight * kTileWidth; i += kThreads) {
    const int r = i / kTileWidth, c = i % kTileWidth;
    for (int k = 0; k < kCoefficients; ++k) {
      if (!active[k]) continue;
      float sum = 0.0f;
      for (int t = 0; t < kTaps; ++t) sum += g_adjoint.taps[t] * tile.maps[k][r][c + t];
      tile.rows[k][r][c] = sum;
    }
  }
  __syncthreads();
  const int row = row0 + threadIdx.y, col = col0 + threadIdx.x;
  if (row >= height || col >= width) return;  // no barrier follows
  float spread[kCoefficients] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int k = 0; k < kCoefficients; ++k) {
    if (!active[k]) continue;
    for (int t = 0; t < kTaps; ++t) {
      spread[k] += g_adjoint.taps[t] * tile.rows[k][threadIdx.y + t][threadIdx.x];
    }
  }
  // The CPU kernel's scale, rounded the same way: float(grad_mean / positions).
  const float scale = static_cast<float>(static_cast<double>(grad_sign * grad_out[0]) / positions);
  const int64_t at =
      static_cast<int64_t>(blockIdx.z) * height * width + static_cast<int64_t>(row) * width + col;
  const float xv = x[at], yv = y[at];
  if (grad_x) grad_x[at] = scale * (spread[kAx] + 2.0f * xv * spread[kB] + yv * spread[kC]);
  if (grad_y) grad_y[at] = scale * (spread[kAy] + 2.0f * yv * spread[kB] + xv * spread[kC]);
}

dim3 tile_grid(int64_t planes, int64_t rows, int64_t columns) {
  if (planes > 65535) {
    throw std::runtime_error("ssim: at most 65535 planes (batch x channels) per call, got " +
                             std::to_string(planes));
  }
  return dim3(static_cast<unsigned>((columns + kTileWidth - 1) / kTileWidth),
              static_cast<unsigned>((rows + kTileHeight - 1) / kTileHeight),
              static_cast<unsigned>(planes));
}

}  // namespace

void ssim_forward(const float* x, const float* y, int64_t planes, int64_t height, int64_t width,
                  float data_range, bool as_loss, float* out) {
  const int64_t out_height = height - kHalo, out_width = width - kHalo;
  const dim3 grid = tile_grid(planes, out_height, out_width);
  const int64_t blocks = static_cast<int64_t>(grid.x) * grid.y * grid.z;
  DeviceScratch block_sums(blocks * sizeof(double));
  leuko_launch(ssim_tile_sums_kernel, grid, dim3(kTileWidth, kTileHeight), 0, current_stream(), x,
               y, static_cast<int>(height), static_cast<int>(width), gaussian_window(false),
               stabilizers(data_range), block_sums.as<double>());
  check_launch("ssim_tile_sums_kernel");
  const double positions = static_cast<double>(planes) * out_height * out_width;
  leuko_launch(ssim_mean_kernel, dim3(1), dim3(kThreads), 0, current_stream(),
               block_sums.as<const double>(), blocks, positions, as_loss, out);
  check_launch("ssim_mean_kernel");
}

void ssim_backward(const float* x, const float* y, int64_t planes, int64_t height, int64_t width,
                   float data_range, const float* grad_out, float grad_sign, float* grad_x,
                   float* grad_y) {
  if (!grad_x && !grad_y) return;
  const int64_t out_height = height - kHalo, out_width = width - kHalo;
  const int64_t map_stride = planes * out_height * out_width;
  DeviceScratch maps(kCoefficients * map_stride * sizeof(float));
  leuko_launch(ssim_coefficients_kernel, tile_grid(planes, out_height, out_width),
               dim3(kTileWidth, kTileHeight), 0, current_stream(), x, y, static_cast<int>(height),
               static_cast<int>(width), gaussian_window(false), stabilizers(data_range),
               maps.as<float>(), map_stride);
  check_launch("ssim_coefficients_kernel");
  const double positions = static_cast<double>(map_stride);
  leuko_launch(ssim_spread_kernel, tile_grid(planes, height, width), dim3(kTileWidth, kTileHeight),
               0, current_stream(), x, y, static_cast<int>(height), static_cast<int>(width),
               gaussian_window(true), maps.as<const float>(), map_stride, grad_out, grad_sign,
               positions, grad_x, grad_y);
  check_launch("ssim_spread_kernel");
}

}  // namespace leuko::LEUKO_CUDA_NS
