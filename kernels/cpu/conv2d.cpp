// conv2d by im2col + GEMM. im2col lays a band of output rows of one image out as a matrix
// col [K = C*kh*kw, B = band positions], so the convolution is one sgemm per band:
//   forward        y_n[:, band] [O, B] = W [O, K] x col [K, B]     (+ bias, pre-filled, beta = 1)
//   grad input     stride 1: a convolution of dy with the flipped weights (see below);
//                  otherwise col [K, B] = W^T [K, O] x dy_n[:, band], then col2im adds it back
//   grad weight    dW [O, K] += dy_n[:, band] [O, B] x col^T [B, K] (summed over the batch)
// Each costs 2*O*K*P flops per image of P = out_h*out_w positions; im2col/col2im move
// 4*K*P bytes each, small beside the GEMM for 3x3 layers (K = 9*C). Bands keep col and its
// output rows within 1 MiB (still in L2 when sgemm reads them) instead of one K x P buffer
// per image (150 MB for a 3x3 conv of 16 channels at 512x512); measured per core, 1 MiB bands ran 2x (256x256)
// to 3x (512x512) faster than whole-image columns for 16 -> 32 channels, and beat both
// 256 KiB and 4 MiB bands on the WBC net's layers. A pointwise kernel (1x1, stride 1,
// no padding) skips im2col: the image already is its column matrix.
//
// Threading: one image per OpenMP thread, each with its own band buffer and a
// single-threaded sgemm (see kernels/cpu/matmul.cpp for why OpenBLAS runs on one thread);
// with a single image, im2col/col2im and gemm split their own work over the threads.
#include "kernels/cpu/conv2d.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/cpu/matmul.h"

namespace leuko::cpu {

// The output columns [begin, end) whose input column o*stride + offset lies inside [0, size).
static void valid_range(int64_t offset, int64_t stride, int64_t size, int64_t out_size,
                        int64_t& begin, int64_t& end) {
  begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  end = size - offset <= 0 ? 0 : (size - offset + stride - 1) / stride;
  begin = std::min(begin, out_size);
  end = std::clamp(end, begin, out_size);
}

// An uninitialized float buffer (std::vector would zero it first, a wasted pass).
static std::unique_ptr<float[]> scratch(int64_t count) {
  return std::unique_ptr<float[]>(new float[static_cast<size_t>(std::max<int64_t>(count, 1))]);
}

// Output rows per band: as many as keep the band's column matrix and its output (or output
// gradient) rows together within kBandFloats, so both are still in L2 when sgemm reads them.
// Counting the output matters for few input channels: for 3 -> 64 channels the output
// band is 2.4x the column band.
constexpr int64_t kBandFloats = 1 << 18;  // 1 MiB
static int64_t band_rows(const ConvGeometry& g, int64_t out_channels) {
  const int64_t floats_per_row = (g.column_rows() + out_channels) * g.out_w;
  return std::clamp<int64_t>(kBandFloats / std::max<int64_t>(floats_per_row, 1), 1,
                             std::max<int64_t>(g.out_h, 1));
}

void im2col(const float* image, const ConvGeometry& g, int64_t row_begin, int64_t row_end,
            float* columns) {
  const int64_t taps = g.kernel_h * g.kernel_w;
  const int64_t rows = g.channels * taps, cols = (row_end - row_begin) * g.out_w;
#pragma omp parallel for schedule(static) if (rows * cols > 65536)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t c = row / taps, i = (row % taps) / g.kernel_w, j = row % g.kernel_w;
    const float* plane = image + c * g.height * g.width;
    const int64_t offset_w = j * g.dilation_w - g.pad_w;
    int64_t w_begin, w_end;
    valid_range(offset_w, g.stride_w, g.width, g.out_w, w_begin, w_end);
    float* dst = columns + row * cols;
    for (int64_t oh = row_begin; oh < row_end; ++oh, dst += g.out_w) {
      const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
      if (ih < 0 || ih >= g.height) {
        std::fill(dst, dst + g.out_w, 0.0f);
        continue;
      }
      const float* src = plane + ih * g.width + offset_w;  // src[ow * stride] is pixel ow
      std::fill(dst, dst + w_begin, 0.0f);
      if (g.stride_w == 1) {
        std::memcpy(dst + w_begin, src + w_begin, sizeof(float) * (w_end - w_begin));
      } else {
        for (int64_t ow = w_begin; ow < w_end; ++ow) dst[ow] = src[ow * g.stride_w];
      }
      std::fill(dst + w_end, dst + g.out_w, 0.0f);
    }
  }
}

// Parallel over channels: every tap of channel c writes only into plane c, so no two
// threads ever add into the same pixel.
void col2im_add(const float* columns, const ConvGeometry& g, int64_t row_begin, int64_t row_end,
                float* image) {
  const int64_t cols = (row_end - row_begin) * g.out_w;
#pragma omp parallel for schedule(static) if (g.column_rows() * cols > 65536)
  for (int64_t c = 0; c < g.channels; ++c) {
    float* plane = image + c * g.height * g.width;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const float* src = columns + ((c * g.kernel_h + i) * g.kernel_w + j) * cols;
        const int64_t offset_w = j * g.dilation_w - g.pad_w;
        int64_t w_begin, w_end;
        valid_range(offset_w, g.stride_w, g.width, g.out_w, w_begin, w_end);
        for (int64_t oh = row_begin; oh < row_end; ++oh, src += g.out_w) {
          const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
          if (ih < 0 || ih >= g.height) continue;
          float* dst = plane + ih * g.width + offset_w;
          if (g.stride_w == 1) {
            for (int64_t ow = w_begin; ow < w_end; ++ow) dst[ow] += src[ow];
          } else {
            for (int64_t ow = w_begin; ow < w_end; ++ow) dst[ow * g.stride_w] += src[ow];
          }
        }
      }
    }
  }
}

// The three passes below share one loop shape: images over the OpenMP threads, bands of
// output rows inside. A single image, or a batch too small to pay for waking the threads
// (gradient checks run thousands of tiny convolutions), runs in an inactive region, where
// the kernels inside may still fork if their own work is large.
static bool spread_images(int64_t batch, int64_t out_channels, const ConvGeometry& g) {
  constexpr int64_t kParallelMacs = 1 << 20;
  return batch > 1 && batch * out_channels * g.column_rows() * g.column_cols() > kParallelMacs;
}

// Pre-fills positions [begin, begin + count) of every output channel with its bias, just
// before the band's sgemm adds into them (beta = 1): the band is still in cache then.
static void fill_bias(const float* bias, int64_t out_channels, int64_t begin, int64_t count,
                      int64_t positions, float* out) {
  if (!bias) return;
  for (int64_t o = 0; o < out_channels; ++o) {
    float* row = out + o * positions + begin;
    std::fill(row, row + count, bias[o]);
  }
}

void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                    int64_t batch, int64_t out_channels, const ConvGeometry& g) {
  const int64_t k = g.column_rows(), p = g.column_cols(), band = band_rows(g, out_channels);
  const bool pointwise = g.is_pointwise();
#pragma omp parallel if (spread_images(batch, out_channels, g))
  {
    auto columns = scratch(pointwise ? 0 : k * band * g.out_w);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < batch; ++n) {
      const float* image = x + n * g.channels * g.height * g.width;
      float* out = y + n * out_channels * p;
      const float beta = bias ? 1.0f : 0.0f;
      if (pointwise) {
        fill_bias(bias, out_channels, 0, p, p, out);
        gemm(false, false, out_channels, p, k, 1.0f, weight, k, image, p, beta, out, p);
        continue;
      }
      for (int64_t r0 = 0; r0 < g.out_h; r0 += band) {
        const int64_t r1 = std::min(r0 + band, g.out_h), cols = (r1 - r0) * g.out_w;
        im2col(image, g, r0, r1, columns.get());
        fill_bias(bias, out_channels, r0 * g.out_w, cols, p, out);
        gemm(false, false, out_channels, cols, k, 1.0f, weight, k, columns.get(), cols, beta,
             out + r0 * g.out_w, p);
      }
    }
  }
}

// At stride 1, the input gradient is itself a stride-1 convolution: of grad_y (O channels)
// with the weights flipped in both spatial axes and transposed to [C, O, kh, kw], padded by
// (k - 1) * dilation - pad so its output is the input's size:
//   grad_x[c, h, w] = sum over o, i, j of grad_y[o, h + pad - i*d, w + pad - j*d] W[o, c, i, j]
// That runs through conv2d_forward (im2col of grad_y, sgemm straight into grad_x) instead of
// sgemm into a column buffer plus col2im: no zeroing of grad_x or of the columns, and no
// read-modify-write pass over the image per kernel tap (measured in a WBC-net step: col2im
// and those two memsets were ~7% of the time). Needs pad <= (k - 1) * dilation.
static bool backward_input_is_a_convolution(const ConvGeometry& g) {
  return g.stride_h == 1 && g.stride_w == 1 && g.pad_h <= (g.kernel_h - 1) * g.dilation_h &&
         g.pad_w <= (g.kernel_w - 1) * g.dilation_w && !g.is_pointwise();
}

static void conv2d_backward_input_by_flipped_weights(const float* grad_y, const float* weight,
                                                     float* grad_x, int64_t batch,
                                                     int64_t out_channels, const ConvGeometry& g) {
  const int64_t taps = g.kernel_h * g.kernel_w;
  std::vector<float> flipped(g.channels * out_channels * taps);
  for (int64_t o = 0; o < out_channels; ++o) {
    for (int64_t c = 0; c < g.channels; ++c) {
      const float* src = weight + (o * g.channels + c) * taps;
      float* dst = flipped.data() + (c * out_channels + o) * taps;
      for (int64_t t = 0; t < taps; ++t) dst[t] = src[taps - 1 - t];  // both axes reversed
    }
  }
  ConvGeometry transposed = g;
  transposed.channels = out_channels;
  transposed.height = g.out_h;
  transposed.width = g.out_w;
  transposed.pad_h = (g.kernel_h - 1) * g.dilation_h - g.pad_h;
  transposed.pad_w = (g.kernel_w - 1) * g.dilation_w - g.pad_w;
  transposed.out_h = g.height;
  transposed.out_w = g.width;
  conv2d_forward(grad_y, flipped.data(), nullptr, grad_x, batch, g.channels, transposed);
}

void conv2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                           int64_t batch, int64_t out_channels, const ConvGeometry& g) {
  if (backward_input_is_a_convolution(g)) {
    return conv2d_backward_input_by_flipped_weights(grad_y, weight, grad_x, batch, out_channels,
                                                    g);
  }
  const int64_t k = g.column_rows(), p = g.column_cols(), band = band_rows(g, out_channels);
  const bool pointwise = g.is_pointwise();
#pragma omp parallel if (spread_images(batch, out_channels, g))
  {
    auto columns = scratch(pointwise ? 0 : k * band * g.out_w);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < batch; ++n) {
      float* image = grad_x + n * g.channels * g.height * g.width;
      const float* grad = grad_y + n * out_channels * p;
      if (pointwise) {
        gemm(true, false, k, p, out_channels, 1.0f, weight, k, grad, p, 0.0f, image, p);
        continue;
      }
      std::fill(image, image + g.channels * g.height * g.width, 0.0f);
      for (int64_t r0 = 0; r0 < g.out_h; r0 += band) {
        const int64_t r1 = std::min(r0 + band, g.out_h), cols = (r1 - r0) * g.out_w;
        gemm(true, false, k, cols, out_channels, 1.0f, weight, k, grad + r0 * g.out_w, p, 0.0f,
             columns.get(), cols);
        col2im_add(columns.get(), g, r0, r1, image);
      }
    }
  }
}

// Each thread sums its images' products into a private [O, K] partial (a few hundred KB
// at most), and the partials are added up at the end.
void conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                            int64_t batch, int64_t out_channels, const ConvGeometry& g) {
  const int64_t k = g.column_rows(), p = g.column_cols(), band = band_rows(g, out_channels);
  const bool pointwise = g.is_pointwise();
  std::fill(grad_weight, grad_weight + out_channels * k, 0.0f);
#pragma omp parallel if (spread_images(batch, out_channels, g))
  {
    auto columns = scratch(pointwise ? 0 : k * band * g.out_w);
    std::vector<float> partial(out_channels * k, 0.0f);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < batch; ++n) {
      const float* image = x + n * g.channels * g.height * g.width;
      const float* grad = grad_y + n * out_channels * p;
      if (pointwise) {
        gemm(false, true, out_channels, k, p, 1.0f, grad, p, image, p, 1.0f, partial.data(), k);
        continue;
      }
      for (int64_t r0 = 0; r0 < g.out_h; r0 += band) {
        const int64_t r1 = std::min(r0 + band, g.out_h), cols = (r1 - r0) * g.out_w;
        im2col(image, g, r0, r1, columns.get());
        gemm(false, true, out_channels, k, cols, 1.0f, grad + r0 * g.out_w, p, columns.get(), cols,
             1.0f, partial.data(), k);
      }
    }
#pragma omp critical(conv2d_backward_weight)
    for (int64_t i = 0; i < out_channels * k; ++i) grad_weight[i] += partial[i];
  }
}

// One output channel per iteration. A plane is summed in float SIMD lanes (many partial
// sums, so little rounding growth), the planes of the batch in double.
void conv2d_backward_bias(const float* grad_y, float* grad_bias, int64_t batch,
                          int64_t out_channels, int64_t positions) {
#pragma omp parallel for schedule(static) if (batch * out_channels * positions > 65536)
  for (int64_t o = 0; o < out_channels; ++o) {
    double total = 0.0;
    for (int64_t n = 0; n < batch; ++n) {
      const float* plane = grad_y + (n * out_channels + o) * positions;
      float partial = 0.0f;
#pragma omp simd reduction(+ : partial)
      for (int64_t q = 0; q < positions; ++q) partial += plane[q];
      total += partial;
    }
    grad_bias[o] = static_cast<float>(total);
  }
}

}  // namespace leuko::cpu
