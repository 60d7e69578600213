// The ceilings every benchmark is judged against, measured in the same run as the work
// itself (the machine is shared and its speed drifts, so a ceiling from another run would
// not be a fair yardstick):
//   - OpenBLAS sgemm at a conv layer's shape: the layer is the product
//     W [O, K] x columns [K, N * P], and its ceiling is the faster of two ways to run it:
//     one product per image spread over the OpenMP threads with single-threaded sgemm, or
//     the whole [O, K] x [K, N * P] on OpenBLAS's own threads;
//   - sgemm on a large square product, OpenBLAS's own threads;
//   - memory bandwidth: a large copy over the OpenMP threads (bytes read + written).
#pragma once

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "bench/timing.h"

namespace leuko::bench {

// GFLOP/s of `count` products C[m,n] = A[m,k] x B[k,n], one per OpenMP iteration.
inline double sgemm_gflops(int64_t m, int64_t n, int64_t k, int64_t count = 1) {
  openblas_set_num_threads(1);
  const int threads = omp_get_max_threads();
  std::vector<float> a(m * k, 0.5f), b(k * n, 0.25f), c(threads * m * n);
  const double seconds = median_seconds([&] {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; ++i) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data(), k, b.data(),
                  n, 0.0f, c.data() + omp_get_thread_num() * m * n, n);
    }
  });
  return 2.0 * m * n * k * count / seconds / 1e9;
}

// GFLOP/s of one product C[m,n] = A[m,k] x B[k,n] on OpenBLAS's threads (as many as OpenMP's).
inline double threaded_sgemm_gflops(int64_t m, int64_t n, int64_t k) {
  openblas_set_num_threads(omp_get_max_threads());
  std::vector<float> a(m * k, 0.5f), b(k * n, 0.25f), c(m * n);
  const double seconds = median_seconds([&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data(), k, b.data(), n,
                0.0f, c.data(), n);
  });
  openblas_set_num_threads(1);
  return 2.0 * m * n * k / seconds / 1e9;
}

inline double square_sgemm_gflops(int64_t size) { return threaded_sgemm_gflops(size, size, size); }

// The sgemm ceiling of a convolution that is the product [m, k] x [k, count * n].
inline double conv_sgemm_ceiling(int64_t m, int64_t n, int64_t k, int64_t count) {
  return std::max(sgemm_gflops(m, n, k, count), threaded_sgemm_gflops(m, count * n, k));
}

// GB/s of copying `bytes` (counting the bytes read and the bytes written), split over the
// OpenMP threads. Both buffers are touched first so no page fault is timed.
inline double copy_gbps(int64_t bytes) {
  const int64_t count = bytes / 4;
  std::unique_ptr<float[]> src(new float[count]), dst(new float[count]);
  const double seconds = median_seconds(
      [&] {
#pragma omp parallel
        {
          const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
          const int64_t begin = count * t / threads, end = count * (t + 1) / threads;
          std::memcpy(dst.get() + begin, src.get() + begin, (end - begin) * sizeof(float));
        }
      },
      5, 2);
  return 2.0 * bytes / seconds / 1e9;
}

}  // namespace leuko::bench
