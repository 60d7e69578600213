// SSIM at each valid window position of each plane, with w(a, b) = g[a] g[b] the normalized
// 11x11 Gaussian (sigma 1.5) and the sums over the window:
//   mu_x = sum w x,  mu_y = sum w y,  xx = sum w x^2,  yy = sum w y^2,  xy = sum w x y,
//   A1 = 2 mu_x mu_y + C1,  B1 = mu_x^2 + mu_y^2 + C1,
//   A2 = 2 (xy - mu_x mu_y) + C2,  B2 = (xx - mu_x^2) + (yy - mu_y^2) + C2,
//   S = A1 A2 / (B1 B2),  C1 = (0.01 L)^2,  C2 = (0.03 L)^2,
// and the result is the mean of S over all positions. Backward: S depends on a pixel only
// through the five window sums that contain it, so
//   dS/dx(pixel) = w(pixel - corner) (dS/dmu_x + 2 x dS/dxx + y dS/dxy), with
//   dS/dmu_x = 2 mu_y (A2 - A1) / (B1 B2) + 2 mu_x S (1 / B2 - 1 / B1),
//   dS/dxx = -S / B2,  dS/dxy = 2 A1 / (B1 B2),
// and likewise for y with the roles of x and y swapped.
#include "kernels/cpu/ssim.h"

#include <cmath>
#include <cstddef>
#include <vector>

namespace leuko::cpu::reference {

constexpr int kWindow = 11;

struct Gaussian {
  double g[kWindow];
  Gaussian() {
    double total = 0.0;
    for (int k = 0; k < kWindow; ++k)
      total += g[k] = std::exp(-(k - 5) * (k - 5) / (2 * 1.5 * 1.5));
    for (double& v : g) v /= total;
  }
};

// The five window sums of the window whose top-left corner is (i, j) of plane p.
struct Moments {
  double mu_x, mu_y, xx, yy, xy;
};

static Moments moments(const float* x, const float* y, int64_t p, int64_t i, int64_t j,
                       int64_t height, int64_t width, const Gaussian& w) {
  Moments m{0, 0, 0, 0, 0};
  for (int a = 0; a < kWindow; ++a)
    for (int b = 0; b < kWindow; ++b) {
      const int64_t at = (p * height + i + a) * width + j + b;
      const double weight = w.g[a] * w.g[b], xv = x[at], yv = y[at];
      m.mu_x += weight * xv;
      m.mu_y += weight * yv;
      m.xx += weight * xv * xv;
      m.yy += weight * yv * yv;
      m.xy += weight * xv * yv;
    }
  return m;
}

// The four factors of S = A1 A2 / (B1 B2) at one window.
struct Terms {
  double a1, b1, a2, b2;
};

static Terms terms(const Moments& m, float data_range) {
  const double c1 = std::pow(0.01 * data_range, 2), c2 = std::pow(0.03 * data_range, 2);
  return {2 * m.mu_x * m.mu_y + c1, m.mu_x * m.mu_x + m.mu_y * m.mu_y + c1,
          2 * (m.xy - m.mu_x * m.mu_y) + c2,
          (m.xx - m.mu_x * m.mu_x) + (m.yy - m.mu_y * m.mu_y) + c2};
}

double ssim_forward(const float* x, const float* y, int64_t planes, int64_t height, int64_t width,
                    float data_range) {
  const Gaussian w;
  double sum = 0.0;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i + kWindow <= height; ++i)
      for (int64_t j = 0; j + kWindow <= width; ++j) {
        const Terms t = terms(moments(x, y, p, i, j, height, width, w), data_range);
        sum += t.a1 * t.a2 / (t.b1 * t.b2);
      }
  return sum / (planes * (height - kWindow + 1) * (width - kWindow + 1));
}

void ssim_backward(const float* x, const float* y, int64_t planes, int64_t height, int64_t width,
                   float data_range, float grad_mean, float* grad_x, float* grad_y) {
  const Gaussian w;
  const int64_t positions = (height - kWindow + 1) * (width - kWindow + 1);
  const double scale = double{grad_mean} / (planes * positions);  // d mean / d S, times grad
  std::vector<double> sum_x(planes * height * width, 0.0), sum_y(sum_x.size(), 0.0);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i + kWindow <= height; ++i)
      for (int64_t j = 0; j + kWindow <= width; ++j) {
        const Moments m = moments(x, y, p, i, j, height, width, w);
        const auto [a1, b1, a2, b2] = terms(m, data_range);
        const double s = a1 * a2 / (b1 * b2);
        const double d_mu_x =
            2 * m.mu_y * (a2 - a1) / (b1 * b2) + 2 * m.mu_x * s * (1 / b2 - 1 / b1);
        const double d_mu_y =
            2 * m.mu_x * (a2 - a1) / (b1 * b2) + 2 * m.mu_y * s * (1 / b2 - 1 / b1);
        const double d_square = -s / b2;  // dS/dxx = dS/dyy
        const double d_xy = 2 * a1 / (b1 * b2);
        for (int a = 0; a < kWindow; ++a)
          for (int b = 0; b < kWindow; ++b) {
            const int64_t at = (p * height + i + a) * width + j + b;
            const double weight = scale * w.g[a] * w.g[b], xv = x[at], yv = y[at];
            sum_x[at] += weight * (d_mu_x + 2 * xv * d_square + yv * d_xy);
            sum_y[at] += weight * (d_mu_y + 2 * yv * d_square + xv * d_xy);
          }
      }
  for (std::size_t k = 0; k < sum_x.size(); ++k) {
    if (grad_x) grad_x[k] = static_cast<float>(sum_x[k]);
    if (grad_y) grad_y[k] = static_cast<float>(sum_y[k]);
  }
}

}  // namespace leuko::cpu::reference
