// conv2d by im2col + GEMM. im2col lays a band of output rows of one image out as a matrix
// col [K = C*kh*kw, B = band positions], so the convolution is one sgemm per band:
//   forward        y_n[:, band] [O, B] = W [O, K] x col [K, B]     (+ bias, pre-filled, beta = 1)
//   grad input     stride 1: a convolution of dy with the flipped weights (see below);
//                  otherwise col [K, B] = W^T [K, O] x dy_n[:, band], then col2im adds it back
//   grad weight    dW [O, K] += dy_n[:, band] [O, B] x col^T [B, K] (summed over the batch)
// Each costs 2*O*K*P flops per image of P = out_h*out_w positions; im2col/col2im move
// 4*K*P bytes each, small beside the GEMM for 3x3 layers (K = 9*C). Bands keep col and its
// output rows within 1 MiB (still in L2 when sgemm reads them) instead of one K x P buffer
// per image (150 MB for a 3x3 conv of 16 channels at 512x512); measured per core, 1 MiB bands ran
// 2x (256x256) to 3x (512x512) faster than whole-image columns for 16 -> 32 channels, and beat both
// 256 KiB and 4 MiB bands on the WBC net's layers. Small images go the other way: several
// side by side in one column matrix, so the product is wide enough to pay for its packing
// (see plan_blocks). A pointwise kernel (1x1, stride 1, no padding) on whole images skips
// im2col: the image already is its column matrix.
//
// Threading: blocks of images over the OpenMP threads, each with its own buffers and a
// single-threaded sgemm (see kernels/cpu/matmul.cpp for why OpenBLAS runs on one thread);
// with a single image, im2col/col2im and gemm split their own work over the threads.
#include "kernels/cpu/conv2d.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <omp.h>

#include "kernels/cpu/matmul.h"
#include "kernels/cpu/scratch.h"

namespace leuko::cpu {

// The output columns [begin, end) whose input column o*stride + offset lies inside [0, size).
static void valid_range(int64_t offset, int64_t stride, int64_t size, int64_t out_size,
                        int64_t& begin, int64_t& end) {
  begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  end = size - offset <= 0 ? 0 : (size - offset + stride - 1) / stride;
  begin = std::min(begin, out_size);
  end = std::clamp(end, begin, out_size);
}

// An uninitialized float buffer (kernels/cpu/scratch.h).
static Scratch scratch(int64_t count) { return Scratch(static_cast<size_t>(count)); }

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

// How the batch is cut into the blocks that one sgemm each covers. A large image is one
// block per band of output rows. Small images (late layers: 7x7 to 32x32 positions) would
// make skinny products whose cost is not the flops but the traffic around them: sgemm packs
// all of W [O, K] for every call, and the weight gradient reads and writes its whole
// [O, K] accumulator per call (9 MB for 512 channels, 3x3, against 0.2 GFLOP of work on a
// 7x7 image). So small images go side by side, several to a block, until the block has
// kMinBlockColumns columns: the product then is [O, K] x [K, images * positions].
constexpr int64_t kMinBlockColumns = 384;
constexpr int64_t kMaxBlockFloats = 1 << 22;  // 16 MiB per thread for columns + staging
struct Blocks {
  int64_t batch, count;  // blocks of whole images: images [first(b), first(b + 1))
  int64_t rows;          // output rows per band (out_h when a block has several images)
  int64_t max_images;    // the most images one block holds
  int64_t first(int64_t block) const { return block * batch / count; }
};

static Blocks plan_blocks(const ConvGeometry& g, int64_t out_channels, int64_t batch) {
  const int64_t rows = band_rows(g, out_channels), positions = g.positions();
  const int64_t threads = std::max(omp_get_max_threads(), 1);
  if (rows < g.out_h || positions >= kMinBlockColumns || batch < 2 * threads) {
    return {batch, batch, rows, 1};
  }
  const int64_t per_image = (g.column_rows() + out_channels) * positions;
  int64_t images = (kMinBlockColumns + positions - 1) / positions;
  images = std::min({images, batch / threads, std::max<int64_t>(kMaxBlockFloats / per_image, 1)});
  // Whole rounds of blocks over the threads, images spread evenly over the blocks.
  int64_t count = (batch + images - 1) / images;
  count = (count + threads - 1) / threads * threads;
  return {batch, count, g.out_h, (batch + count - 1) / count};
}

// Copies the [channels, positions] planes of `images` consecutive images side by side into
// staging [channels, images * positions] (gather), or back, adding a bias per channel
// (scatter): the layout change between NCHW and a block's product.
static void gather_images(const float* src, int64_t images, int64_t channels, int64_t positions,
                          float* staging) {
  const int64_t cols = images * positions;
  for (int64_t n = 0; n < images; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      std::memcpy(staging + c * cols + n * positions, src + (n * channels + c) * positions,
                  sizeof(float) * positions);
    }
  }
}

static void scatter_images(const float* staging, const float* bias, int64_t images,
                           int64_t channels, int64_t positions, float* dst) {
  const int64_t cols = images * positions;
  for (int64_t n = 0; n < images; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const float* from = staging + c * cols + n * positions;
      float* to = dst + (n * channels + c) * positions;
      const float shift = bias ? bias[c] : 0.0f;
      for (int64_t q = 0; q < positions; ++q) to[q] = from[q] + shift;
    }
  }
}

// The valid output columns of each horizontal kernel tap j: computed once per call, since
// two divisions per row cost more than copying a 7-float row.
struct TapRanges {
  std::vector<int64_t> begin, end, offset;
  explicit TapRanges(const ConvGeometry& g)
      : begin(g.kernel_w), end(g.kernel_w), offset(g.kernel_w) {
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      offset[j] = j * g.dilation_w - g.pad_w;
      valid_range(offset[j], g.stride_w, g.width, g.out_w, begin[j], end[j]);
    }
  }
};

void im2col(const float* image, const ConvGeometry& g, int64_t row_begin, int64_t row_end,
            float* columns, int64_t ld) {
  const TapRanges taps(g);
  const int64_t cols = (row_end - row_begin) * g.out_w;
#pragma omp parallel for schedule(static) if (g.column_rows() * cols > 65536)
  for (int64_t c = 0; c < g.channels; ++c) {
    const float* plane = image + c * g.height * g.width;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t w_begin = taps.begin[j], w_end = taps.end[j];
        float* dst = columns + ((c * g.kernel_h + i) * g.kernel_w + j) * ld;
        for (int64_t oh = row_begin; oh < row_end; ++oh, dst += g.out_w) {
          const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
          if (ih < 0 || ih >= g.height) {
            std::fill(dst, dst + g.out_w, 0.0f);
            continue;
          }
          const float* src = plane + ih * g.width + taps.offset[j];  // src[ow * stride]: pixel ow
          for (int64_t ow = 0; ow < w_begin; ++ow) dst[ow] = 0.0f;
          if (g.stride_w == 1) {
            for (int64_t ow = w_begin; ow < w_end; ++ow) dst[ow] = src[ow];
          } else {
            for (int64_t ow = w_begin; ow < w_end; ++ow) dst[ow] = src[ow * g.stride_w];
          }
          for (int64_t ow = w_end; ow < g.out_w; ++ow) dst[ow] = 0.0f;
        }
      }
    }
  }
}

// Parallel over channels: every tap of channel c writes only into plane c, so no two
// threads ever add into the same pixel.
void col2im_add(const float* columns, const ConvGeometry& g, int64_t row_begin, int64_t row_end,
                float* image, int64_t ld) {
  const TapRanges taps(g);
  const int64_t cols = (row_end - row_begin) * g.out_w;
#pragma omp parallel for schedule(static) if (g.column_rows() * cols > 65536)
  for (int64_t c = 0; c < g.channels; ++c) {
    float* plane = image + c * g.height * g.width;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t w_begin = taps.begin[j], w_end = taps.end[j];
        const float* src = columns + ((c * g.kernel_h + i) * g.kernel_w + j) * ld;
        for (int64_t oh = row_begin; oh < row_end; ++oh, src += g.out_w) {
          const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
          if (ih < 0 || ih >= g.height) continue;
          float* dst = plane + ih * g.width + taps.offset[j];
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

// The three passes below share one loop shape: blocks (see plan_blocks) over the OpenMP
// threads, bands of output rows inside. A single image, or a batch too small to pay for
// waking the threads (gradient checks run thousands of tiny convolutions), runs in an
// inactive region, where the kernels inside may still fork if their own work is large.
static bool spread_images(int64_t batch, int64_t out_channels, const ConvGeometry& g) {
  constexpr int64_t kParallelMacs = 1 << 20;
  return batch > 1 && batch * out_channels * g.column_rows() * g.positions() > kParallelMacs;
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

// A block's column matrix: image n's band in columns [n * band, (n + 1) * band) of the rows.
static void im2col_block(const float* x, const ConvGeometry& g, int64_t images, int64_t row_begin,
                         int64_t row_end, float* columns) {
  const int64_t band = (row_end - row_begin) * g.out_w,
                image_size = g.channels * g.height * g.width;
  for (int64_t n = 0; n < images; ++n) {
    im2col(x + n * image_size, g, row_begin, row_end, columns + n * band, images * band);
  }
}

void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                    const ConvGeometry& g) {
  const int64_t batch = g.batch, out_channels = g.out_channels;
  const int64_t k = g.column_rows(), p = g.positions(),
                image_size = g.channels * g.height * g.width;
  const Blocks blocks = plan_blocks(g, out_channels, batch);
  const bool direct = g.is_pointwise() && blocks.max_images == 1;  // the image is its columns
#pragma omp parallel if (spread_images(batch, out_channels, g))
  {
    auto columns = scratch(direct ? 0 : k * blocks.max_images * blocks.rows * g.out_w);
    auto staging = scratch(blocks.max_images > 1 ? out_channels * blocks.max_images * p : 0);
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks.count; ++b) {
      const int64_t n0 = blocks.first(b), images = blocks.first(b + 1) - n0;
      const float* image = x + n0 * image_size;
      float* out = y + n0 * out_channels * p;
      const float beta = bias ? 1.0f : 0.0f;
      if (direct) {
        fill_bias(bias, out_channels, 0, p, p, out);
        gemm(false, false, out_channels, p, k, 1.0f, weight, k, image, p, beta, out, p);
        continue;
      }
      if (images > 1) {
        im2col_block(image, g, images, 0, g.out_h, columns.get());
        gemm(false, false, out_channels, images * p, k, 1.0f, weight, k, columns.get(), images * p,
             0.0f, staging.get(), images * p);
        scatter_images(staging.get(), bias, images, out_channels, p, out);
        continue;
      }
      for (int64_t r0 = 0; r0 < g.out_h; r0 += blocks.rows) {
        const int64_t r1 = std::min(r0 + blocks.rows, g.out_h), cols = (r1 - r0) * g.out_w;
        im2col(image, g, r0, r1, columns.get(), cols);
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
                                                     float* grad_x, const ConvGeometry& g) {
  const int64_t taps = g.taps(), out_channels = g.out_channels;
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
  transposed.out_channels = g.channels;
  transposed.height = g.out_h;
  transposed.width = g.out_w;
  transposed.pad_h = (g.kernel_h - 1) * g.dilation_h - g.pad_h;
  transposed.pad_w = (g.kernel_w - 1) * g.dilation_w - g.pad_w;
  transposed.out_h = g.height;
  transposed.out_w = g.width;
  conv2d_forward(grad_y, flipped.data(), nullptr, grad_x, transposed);
}

void conv2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                           const ConvGeometry& g) {
  const int64_t batch = g.batch, out_channels = g.out_channels;
  if (backward_input_is_a_convolution(g)) {
    return conv2d_backward_input_by_flipped_weights(grad_y, weight, grad_x, g);
  }
  const int64_t k = g.column_rows(), p = g.positions(),
                image_size = g.channels * g.height * g.width;
  const Blocks blocks = plan_blocks(g, out_channels, batch);
  const bool direct = g.is_pointwise() && blocks.max_images == 1;
#pragma omp parallel if (spread_images(batch, out_channels, g))
  {
    auto columns = scratch(direct ? 0 : k * blocks.max_images * blocks.rows * g.out_w);
    auto staging = scratch(blocks.max_images > 1 ? out_channels * blocks.max_images * p : 0);
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks.count; ++b) {
      const int64_t n0 = blocks.first(b), images = blocks.first(b + 1) - n0;
      float* image = grad_x + n0 * image_size;
      const float* grad = grad_y + n0 * out_channels * p;
      if (direct) {
        gemm(true, false, k, p, out_channels, 1.0f, weight, k, grad, p, 0.0f, image, p);
        continue;
      }
      std::fill(image, image + images * image_size, 0.0f);
      if (images > 1) {
        gather_images(grad, images, out_channels, p, staging.get());
        gemm(true, false, k, images * p, out_channels, 1.0f, weight, k, staging.get(), images * p,
             0.0f, columns.get(), images * p);
        for (int64_t n = 0; n < images; ++n) {
          col2im_add(columns.get() + n * p, g, 0, g.out_h, image + n * image_size, images * p);
        }
        continue;
      }
      for (int64_t r0 = 0; r0 < g.out_h; r0 += blocks.rows) {
        const int64_t r1 = std::min(r0 + blocks.rows, g.out_h), cols = (r1 - r0) * g.out_w;
        gemm(true, false, k, cols, out_channels, 1.0f, weight, k, grad + r0 * g.out_w, p, 0.0f,
             columns.get(), cols);
        col2im_add(columns.get(), g, r0, r1, image, cols);
      }
    }
  }
}

// Each thread sums its blocks' products into a private [O, K] partial (a few MB at most),
// and the partials are added up at the end.
void conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                            const ConvGeometry& g) {
  const int64_t batch = g.batch, out_channels = g.out_channels;
  const int64_t k = g.column_rows(), p = g.positions(),
                image_size = g.channels * g.height * g.width;
  const Blocks blocks = plan_blocks(g, out_channels, batch);
  const bool direct = g.is_pointwise() && blocks.max_images == 1;
  std::fill(grad_weight, grad_weight + out_channels * k, 0.0f);
#pragma omp parallel if (spread_images(batch, out_channels, g))
  {
    auto columns = scratch(direct ? 0 : k * blocks.max_images * blocks.rows * g.out_w);
    auto staging = scratch(blocks.max_images > 1 ? out_channels * blocks.max_images * p : 0);
    Scratch partial(static_cast<size_t>(out_channels * k));
    std::fill(partial.get(), partial.get() + out_channels * k, 0.0f);
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks.count; ++b) {
      const int64_t n0 = blocks.first(b), images = blocks.first(b + 1) - n0;
      const float* image = x + n0 * image_size;
      const float* grad = grad_y + n0 * out_channels * p;
      if (direct) {
        gemm(false, true, out_channels, k, p, 1.0f, grad, p, image, p, 1.0f, partial.get(), k);
        continue;
      }
      if (images > 1) {
        gather_images(grad, images, out_channels, p, staging.get());
        im2col_block(image, g, images, 0, g.out_h, columns.get());
        gemm(false, true, out_channels, k, images * p, 1.0f, staging.get(), images * p,
             columns.get(), images * p, 1.0f, partial.get(), k);
        continue;
      }
      for (int64_t r0 = 0; r0 < g.out_h; r0 += blocks.rows) {
        const int64_t r1 = std::min(r0 + blocks.rows, g.out_h), cols = (r1 - r0) * g.out_w;
        im2col(image, g, r0, r1, columns.get(), cols);
        gemm(false, true, out_channels, k, cols, 1.0f, grad + r0 * g.out_w, p, columns.get(), cols,
             1.0f, partial.get(), k);
      }
    }
#pragma omp critical(conv2d_backward_weight)
    for (int64_t i = 0; i < out_channels * k; ++i) grad_weight[i] += partial.get()[i];
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
