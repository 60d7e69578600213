// SSIM forward and backward on the CPU.
//
// What it computes. For each (sample, channel) plane, with G the normalized 11x11 Gaussian
// window (the outer product of an 11-tap 1-D window g) applied as a valid correlation:
//   mu_x = G*x, mu_y = G*y, and the second moments xx = G*(x^2), yy = G*(y^2), xy = G*(xy);
//   sigma_x^2 = xx - mu_x^2, sigma_y^2 = yy - mu_y^2, sigma_xy = xy - mu_x mu_y;
//   S = l * cs with the luminance term l = A1/B1 and the contrast-structure term cs = A2/B2,
//   A1 = 2 mu_x mu_y + C1,  B1 = mu_x^2 + mu_y^2 + C1,
//   A2 = 2 sigma_xy + C2,   B2 = sigma_x^2 + sigma_y^2 + C2,  C1 = (0.01 L)^2, C2 = (0.03 L)^2.
// The result is the mean of S over every valid position of every plane.
//
// How the work is split. OpenMP over the planes (batch x channels). Inside a plane, one
// top-to-bottom sweep: each input row is filtered horizontally once into a ring holding the
// last 11 filtered rows, and each output row is the vertical weighted sum of that ring. So the
// working set is O(width) per thread (about 110 KB for a 512-wide plane: it stays in L2),
// x and y are read once, and nothing of plane size is stored. The filters run in float (sums
// of positive weights: well conditioned); the per-pixel SSIM arithmetic runs in double,
// because at data_range 255 on [0,1] images S is ~0.999 and float would keep only about
// four digits of 1 - S.
//
// Cost per pixel. Forward: 5 moments x (11 horizontal + 11 vertical taps) = 110 multiply-adds,
// 8 bytes read. Backward: the same sweep again (it recomputes the moments instead of storing
// five plane-sized maps), then 3 coefficient maps (4 when both gradients are wanted) x 22
// taps, i.e. ~180-200 multiply-adds, 8 bytes read and 4-8 bytes written.
#include "kernels/cpu/ssim.h"

#include <array>
#include <cmath>
#include <vector>

namespace leuko::cpu {
namespace {

constexpr int kTaps = kSsimWindow;
constexpr int kHalo = kTaps - 1;  // valid filtering loses 10 rows and 10 columns
constexpr double kSigma = 1.5;
// Below this many pixels (~4 M multiply-adds, about a millisecond) starting threads costs
// more than it saves; small images, as in the tests, run on the calling thread.
constexpr int64_t kParallelPixels = 32768;

using Taps = std::array<float, kTaps>;

// g[k] proportional to exp(-(k - 5)^2 / (2 sigma^2)), normalized to sum 1.
Taps gaussian_taps() {
  std::array<double, kTaps> weights;
  double total = 0.0;
  for (int k = 0; k < kTaps; ++k) {
    const double offset = k - kTaps / 2;
    weights[k] = std::exp(-offset * offset / (2.0 * kSigma * kSigma));
    total += weights[k];
  }
  Taps taps;
  for (int k = 0; k < kTaps; ++k) taps[k] = static_cast<float>(weights[k] / total);
  return taps;
}

// The adjoint of a correlation is the correlation with the taps reversed (the Gaussian is
// symmetric, so this is the same window, but the backward below does not rely on that).
Taps reversed(const Taps& taps) {
  Taps out;
  for (int k = 0; k < kTaps; ++k) out[k] = taps[kTaps - 1 - k];
  return out;
}

// out[j] = sum_k taps[k] * in[j + k] for j in [0, n): a valid correlation along a row.
// The 11-tap inner loop is unrolled by the compiler and the j loop vectorized.
void filter_row(const float* __restrict in, int64_t n, const Taps& taps, float* __restrict out) {
  for (int64_t j = 0; j < n; ++j) {
    float sum = 0.0f;
    for (int k = 0; k < kTaps; ++k) sum += taps[k] * in[j + k];
    out[j] = sum;
  }
}

using RowPointers = std::array<const float*, kTaps>;

// out[j] = sum_k taps[k] * rows[k][j] for j in [0, n): the same correlation down a column,
// with the 11 rows given by pointer (they live in a ring buffer).
void filter_column(const RowPointers& rows, int64_t n, const Taps& taps, float* __restrict out) {
  for (int64_t j = 0; j < n; ++j) {
    float sum = 0.0f;
    for (int k = 0; k < kTaps; ++k) sum += taps[k] * rows[k][j];
    out[j] = sum;
  }
}

// The five Gaussian-weighted local moments, in this order in every buffer below.
enum Moment { kMuX, kMuY, kXX, kYY, kXY, kMoments };

// One output row of the five moment maps (each `out_width` long).
struct MomentRows {
  const float* row[kMoments];
};

// Sweeps one height x width plane top to bottom and calls on_row(i, moments) for every
// output row i in [0, height - 10), in order.
template <typename OnRow>
void sweep_moments(const float* x, const float* y, int64_t height, int64_t width, const Taps& g,
                   OnRow&& on_row) {
  const int64_t out_width = width - kHalo;
  const size_t row = static_cast<size_t>(width), out_row = static_cast<size_t>(out_width);
  std::vector<float> products(3 * row);                 // x^2, y^2, xy of one input row
  std::vector<float> ring(kTaps * kMoments * out_row);  // [slot][moment][column]
  std::vector<float> moments(kMoments * out_row);       // [moment][column]
  auto ring_row = [&](int64_t input_row, int moment) {
    return ring.data() + ((input_row % kTaps) * kMoments + moment) * out_width;
  };
  for (int64_t r = 0; r < height; ++r) {
    const float* xr = x + r * width;
    const float* yr = y + r * width;
    float* xx = products.data();
    float* yy = xx + width;
    float* xy = yy + width;
    for (int64_t j = 0; j < width; ++j) {
      xx[j] = xr[j] * xr[j];
      yy[j] = yr[j] * yr[j];
      xy[j] = xr[j] * yr[j];
    }
    const float* sources[kMoments] = {xr, yr, xx, yy, xy};
    for (int m = 0; m < kMoments; ++m) filter_row(sources[m], out_width, g, ring_row(r, m));
    if (r < kHalo) continue;
    const int64_t i = r - kHalo;  // output row i needs input rows i .. i+10, all in the ring
    MomentRows out;
    for (int m = 0; m < kMoments; ++m) {
      RowPointers rows;
      for (int k = 0; k < kTaps; ++k) rows[k] = ring_row(i + k, m);
      float* dst = moments.data() + m * out_width;
      filter_column(rows, out_width, g, dst);
      out.row[m] = dst;
    }
    on_row(i, out);
  }
}

struct Stabilizers {
  double c1, c2;
  explicit Stabilizers(float data_range)
      : c1((0.01 * data_range) * (0.01 * data_range)),
        c2((0.03 * data_range) * (0.03 * data_range)) {}
};

}  // namespace

// ---- forward -------------------------------------------------------------------------------

double ssim_forward(const float* x, const float* y, int64_t planes, int64_t height, int64_t width,
                    float data_range) {
  const Taps g = gaussian_taps();
  const Stabilizers c(data_range);
  const int64_t out_height = height - kHalo, out_width = width - kHalo;
  std::vector<double> plane_sums(planes);
#pragma omp parallel for schedule(static) if (planes * height * width >= kParallelPixels)
  for (int64_t p = 0; p < planes; ++p) {
    // Summed per column, then across columns at the end: the j loop stays vectorizable
    // (no loop-carried sum) and the result does not depend on the thread count.
    std::vector<double> column_sums(out_width, 0.0);
    sweep_moments(x + p * height * width, y + p * height * width, height, width, g,
                  [&](int64_t, const MomentRows& m) {
                    for (int64_t j = 0; j < out_width; ++j) {
                      const double mx = m.row[kMuX][j], my = m.row[kMuY][j];
                      const double var_x = m.row[kXX][j] - mx * mx;
                      const double var_y = m.row[kYY][j] - my * my;
                      const double cov = m.row[kXY][j] - mx * my;
                      const double luminance = (2.0 * mx * my + c.c1) / (mx * mx + my * my + c.c1);
                      const double contrast_structure = (2.0 * cov + c.c2) / (var_x + var_y + c.c2);
                      column_sums[j] += luminance * contrast_structure;
                    }
                  });
    double total = 0.0;
    for (double s : column_sums) total += s;
    plane_sums[p] = total;
  }
  double total = 0.0;
  for (double s : plane_sums) total += s;
  return total / (static_cast<double>(planes) * out_height * out_width);
}

// ---- backward ------------------------------------------------------------------------------
//
// Derivation. Per position, S depends on the five moments only. Treating them as
// independent variables (sigma_x^2 = xx - mu_x^2 etc. carry the mu dependence):
//   dA1/dmu_x = 2 mu_y,  dB1/dmu_x = 2 mu_x,  dA2/dmu_x = -2 mu_y,  dB2/dmu_x = -2 mu_x,
//   dS/dA1 = cs/B1,  dS/dB1 = -l cs/B1,  dS/dA2 = l/B2,  dS/dB2 = -l cs/B2, so
//   a_x := dS/dmu_x = (2/B1) cs (mu_y - mu_x l) + (2/B2) l (mu_x cs - mu_y),
//   a_y := dS/dmu_y = (2/B1) cs (mu_x - mu_y l) + (2/B2) l (mu_y cs - mu_x),
//   b   := dS/dxx = dS/dyy = dS/dB2 = -l cs / B2,
//   c   := dS/dxy = 2 dS/dA2 = 2 l / B2.
// Each moment is a correlation of the input with G: mu_x(p) = sum_q G(q - p) x(q),
// xx(p) = sum_q G(q - p) x(q)^2, xy(p) = sum_q G(q - p) x(q) y(q). So with s = grad_mean / count,
//   dL/dx(q) = s sum_p G(q - p) [a_x(p) + 2 x(q) b(p) + y(q) c(p)]
//            = s [G^T a_x + 2 x G^T b + y G^T c](q),
//   dL/dy(q) = s [G^T a_y + 2 y G^T b + x G^T c](q),
// where G^T, the adjoint of the valid correlation, is the "full" correlation with the
// reversed window: it spreads each map position back over the 11x11 inputs it came from.
// G^T is separable too: the horizontal adjoint is applied to each coefficient row as it is
// produced (into a ring of the last 11 such rows), and input row r is finished by the vertical
// adjoint as soon as output row r exists, because later output rows touch only rows below r.
// (With x == y: l = cs = 1 exactly, a_x = a_y = 0 and c = -2b, so the gradient vanishes but
// for one float rounding where 2x G^T b and y G^T c cancel.)

namespace {

// The coefficient maps, in this order in every buffer below.
enum Coefficient { kAx, kAy, kB, kC, kCoefficients };

void backward_plane(const float* x, const float* y, int64_t height, int64_t width, const Taps& g,
                    const Stabilizers& c, float scale, float* grad_x, float* grad_y) {
  const Taps g_adjoint = reversed(g);
  const int64_t out_height = height - kHalo, out_width = width - kHalo;
  std::vector<Coefficient> active;  // a_x only for grad_x, a_y only for grad_y
  if (grad_x) active.push_back(kAx);
  if (grad_y) active.push_back(kAy);
  active.push_back(kB);
  active.push_back(kC);

  // Coefficient rows padded with 10 zeros on each side, so the horizontal adjoint is a
  // valid correlation of length `width` with no edge cases.
  const int64_t padded_width = out_width + 2 * kHalo;
  std::vector<float> padded(kCoefficients * padded_width, 0.0f);
  std::vector<float> ring(kTaps * kCoefficients * width);  // horizontally spread rows
  std::vector<float> zero_row(width, 0.0f);                // stands in for rows outside the map
  std::vector<float> spread(kCoefficients * width);        // G^T of each map, one input row
  auto ring_row = [&](int64_t out_row, int coefficient) {
    return ring.data() + ((out_row % kTaps) * kCoefficients + coefficient) * width;
  };

  // Finishes input row r: vertical adjoint over map rows r-10 .. r, then the chain rule.
  auto finish_input_row = [&](int64_t r) {
    for (Coefficient k : active) {
      RowPointers rows;
      for (int t = 0; t < kTaps; ++t) {
        const int64_t map_row = r - kHalo + t;
        rows[t] = (map_row >= 0 && map_row < out_height) ? ring_row(map_row, k) : zero_row.data();
      }
      filter_column(rows, width, g_adjoint, spread.data() + k * width);
    }
    const float* xr = x + r * width;
    const float* yr = y + r * width;
    const float* spread_b = spread.data() + kB * width;
    const float* spread_c = spread.data() + kC * width;
    if (grad_x) {
      const float* spread_ax = spread.data() + kAx * width;
      float* out = grad_x + r * width;
      for (int64_t j = 0; j < width; ++j) {
        out[j] = scale * (spread_ax[j] + 2.0f * xr[j] * spread_b[j] + yr[j] * spread_c[j]);
      }
    }
    if (grad_y) {
      const float* spread_ay = spread.data() + kAy * width;
      float* out = grad_y + r * width;
      for (int64_t j = 0; j < width; ++j) {
        out[j] = scale * (spread_ay[j] + 2.0f * yr[j] * spread_b[j] + xr[j] * spread_c[j]);
      }
    }
  };

  sweep_moments(x, y, height, width, g, [&](int64_t i, const MomentRows& m) {
    float* ax = padded.data() + kAx * padded_width + kHalo;
    float* ay = padded.data() + kAy * padded_width + kHalo;
    float* b = padded.data() + kB * padded_width + kHalo;
    float* cc = padded.data() + kC * padded_width + kHalo;
    for (int64_t j = 0; j < out_width; ++j) {
      const double mx = m.row[kMuX][j], my = m.row[kMuY][j];
      const double var_x = m.row[kXX][j] - mx * mx;
      const double var_y = m.row[kYY][j] - my * my;
      const double cov = m.row[kXY][j] - mx * my;
      const double inv_b1 = 1.0 / (mx * mx + my * my + c.c1);
      const double inv_b2 = 1.0 / (var_x + var_y + c.c2);
      const double l = (2.0 * mx * my + c.c1) * inv_b1;
      const double cs = (2.0 * cov + c.c2) * inv_b2;
      ax[j] =
          static_cast<float>(2.0 * inv_b1 * cs * (my - mx * l) + 2.0 * inv_b2 * l * (mx * cs - my));
      ay[j] =
          static_cast<float>(2.0 * inv_b1 * cs * (mx - my * l) + 2.0 * inv_b2 * l * (my * cs - mx));
      b[j] = static_cast<float>(-l * cs * inv_b2);
      cc[j] = static_cast<float>(2.0 * l * inv_b2);
    }
    for (Coefficient k : active) {
      filter_row(padded.data() + k * padded_width, width, g_adjoint, ring_row(i, k));
    }
    finish_input_row(i);
  });
  for (int64_t r = out_height; r < height; ++r) finish_input_row(r);  // the last 10 rows
}

}  // namespace

void ssim_backward(const float* x, const float* y, int64_t planes, int64_t height, int64_t width,
                   float data_range, float grad_mean, float* grad_x, float* grad_y) {
  if (!grad_x && !grad_y) return;
  const Taps g = gaussian_taps();
  const Stabilizers c(data_range);
  const double count = static_cast<double>(planes) * (height - kHalo) * (width - kHalo);
  const float scale = static_cast<float>(grad_mean / count);
  const int64_t plane_size = height * width;
#pragma omp parallel for schedule(static) if (planes * plane_size >= kParallelPixels)
  for (int64_t p = 0; p < planes; ++p) {
    backward_plane(x + p * plane_size, y + p * plane_size, height, width, g, c, scale,
                   grad_x ? grad_x + p * plane_size : nullptr,
                   grad_y ? grad_y + p * plane_size : nullptr);
  }
}

}  // namespace leuko::cpu
