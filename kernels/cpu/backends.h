// Declares CPU kernels for both CPU implementations at once: leuko::cpu, the fast kernels
// (OpenMP, OpenBLAS, vectorised loops) in <stem>.cpp, and leuko::cpu::reference, the readable
// reference in <stem>_reference.cpp (the definition's plain loops, sums in double), which the
// tests take as their ground truth. One list of declarations keeps the two interchangeable.
//
//   LEUKO_CPU_BACKENDS(
//     void relu_forward(const float* x, float* y, int64_t n);
//   )
#pragma once

#define LEUKO_CPU_BACKENDS(...)     \
  namespace leuko::cpu {            \
  __VA_ARGS__                       \
  }                                 \
  namespace leuko::cpu::reference { \
  __VA_ARGS__                       \
  }
