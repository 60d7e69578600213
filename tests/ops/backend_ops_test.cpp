// Every op on every device, against its readable reference (kernels/cpu/<stem>_reference.cpp),
// as ggml's test-backend-ops does. A table lists the ops; each row makes a few problems
// (inputs on the host, the gradient to back-propagate among them), runs the op through the
// engine (forward, then backward) and runs the same problem through the reference kernels.
// Each device column is compared with the reference:
//   reference  the reference's backward against central differences of its own forward;
//   cpu        the fast CPU kernels, on every problem (also the large ones that take their
//              threaded and blocked paths);
//   cuda-emu   the CUDA kernels under the SIMT emulator, on the small problems (it is slow);
//   cuda       the same on a real GPU, when one is usable.
// The coverage matrix (op x device: pass, FAIL, or why it did not run) is printed at the end.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "engine/error.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "engine/optim/clip_grad.h"
#include "engine/optim/rmsprop.h"
#include "engine/optim/sgd.h"
#include "engine/random.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/add_relu.h"
#include "kernels/cpu/adam.h"
#include "kernels/cpu/batch_norm.h"
#include "kernels/cpu/batch_norm_relu.h"
#include "kernels/cpu/clip_grad.h"
#include "kernels/cpu/concat.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/conv_transpose2d.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/cross_entropy.h"
#include "kernels/cpu/dropout.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/mse.h"
#include "kernels/cpu/pool.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/rmsprop.h"
#include "kernels/cpu/sgd.h"
#include "kernels/cpu/softmax.h"
#include "kernels/cpu/ssim.h"
#include "tests/support/testing.h"

using namespace leuko;
namespace ref = leuko::cpu::reference;

namespace {

using Tensors = std::vector<Tensor>;
using Run = std::function<Tensors(const Tensors&)>;

// One problem of an op. Its inputs live on the host: float inputs that require grad get
// gradients, and for an op with a backward the last input is the gradient fed into it.
struct Problem {
  std::string label;
  Tensors inputs;
  // Per result (the op's outputs, then the gradients, in the order `run` returns them): how
  // many terms are summed into one element. See outside_bounds for what it allows.
  std::vector<int64_t> terms;
  bool large;     // run on the CPU only: big enough for the fast kernels' threaded, blocked
                  // paths, and for the emulator to take minutes
  Run run;        // the engine op, on whatever device the inputs are
  Run reference;  // the reference kernels, on host inputs (which it leaves unchanged)
};

struct OpRow {
  std::string name;
  // Rounding of an element's own few operations, in ulps of the element: 2 for plain
  // arithmetic, more where a fast kernel uses its own exp (kernels/cpu/fast_exp.h) or a GPU
  // its expf, each a few ulps from the correctly rounded value.
  float ulps;
  std::function<std::vector<Problem>(Generator&)> problems;
  bool differentiable = true;  // the reference's backward is checked by central differences
};

Tensor leaf(const Shape& shape, Generator& g, float low = -1.0f, float high = 1.0f) {
  return testing::random_input(shape, g, low, high);
}
Tensor values(const Shape& shape, Generator& g, float low = -1.0f, float high = 1.0f) {
  return uniform(shape, low, high, g);
}
Tensor host(const Shape& shape) { return zeros(shape); }
float* at(const Tensor& t) { return t.data<float>(); }

// The engine side of an op with a backward: runs `op` on all inputs but the last,
// back-propagates the last, and returns the output, then the gradient of every input that
// requires grad, in input order.
Run forward_backward(std::function<Tensor(const Tensors&)> op) {
  return [op](const Tensors& inputs) {
    const Tensors args(inputs.begin(), inputs.end() - 1);
    const Tensor y = op(args);
    y.backward(inputs.back());
    Tensors out{y.detach()};
    for (const Tensor& x : args) {
      if (x.requires_grad()) out.push_back(x.grad());
    }
    return out;
  };
}

// ---- shapes the reference side needs -------------------------------------------------------

ConvGeometry conv_geometry(const Shape& x, const Shape& w, int64_t stride, int64_t pad,
                           int64_t dilation) {
  ConvGeometry g{};
  g.batch = x[0];
  g.channels = x[1];
  g.height = x[2];
  g.width = x[3];
  g.out_channels = w[0];
  g.kernel_h = w[2];
  g.kernel_w = w[3];
  g.stride_h = g.stride_w = stride;
  g.pad_h = g.pad_w = pad;
  g.dilation_h = g.dilation_w = dilation;
  g.out_h = (g.height + 2 * pad - dilation * (g.kernel_h - 1) - 1) / stride + 1;
  g.out_w = (g.width + 2 * pad - dilation * (g.kernel_w - 1) - 1) / stride + 1;
  return g;
}

// PyTorch's pooled size: floor (or ceil) of (in + 2 pad - kernel) / stride + 1, the last
// window starting inside the input or its left padding.
int64_t pooled_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode) {
  int64_t out = (in + 2 * pad - kernel + (ceil_mode ? stride - 1 : 0)) / stride + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Strides of `shape` read as broadcast to `to` (right-aligned; 0 where it is broadcast).
std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& to) {
  std::vector<int64_t> strides(to.size(), 0);
  const Shape own = contiguous_strides(shape);
  const size_t skip = to.size() - shape.size();
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] != 1) strides[skip + d] = own[d];
  }
  return strides;
}

// grad summed down to `shape`: the adjoint of broadcasting.
Tensor sum_to_shape(const Tensor& grad, const Shape& shape) {
  Tensor out = host(shape);
  const std::vector<int64_t> strides = broadcast_strides(shape, grad.shape());
  ref::sum_forward(at(grad), grad.shape().data(), static_cast<int>(grad.dim()), strides.data(),
                   at(out), out.numel());
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Shape& shape) {
  Tensor out = host(shape);
  const std::vector<int64_t> as = broadcast_strides(a.shape(), shape);
  const std::vector<int64_t> bs = broadcast_strides(b.shape(), shape);
  ref::binary_forward(op, at(a), as.data(), at(b), bs.data(), at(out), shape.data(),
                      static_cast<int>(shape.size()));
  return out;
}

// ---- elementwise ---------------------------------------------------------------------------

// y = f(x) elementwise; the reference backward gets x and y and uses whichever it needs.
using ReferenceForward = std::function<void(const float* x, float* y, int64_t n)>;
using ReferenceBackward =
    std::function<void(const float* x, const float* y, const float* dy, float* dx, int64_t n)>;

OpRow activation_row(const std::string& name, float ulps, std::function<Tensor(const Tensor&)> op,
                     ReferenceForward forward, ReferenceBackward backward) {
  return {name, ulps, [=](Generator& g) {
            std::vector<Problem> problems;
            for (const Shape& s : {Shape{7}, Shape{1, 3, 5, 5}, Shape{2, 3, 61, 67}}) {
              problems.push_back({to_string(s),
                                  {leaf(s, g, -3.0f, 3.0f), values(s, g)},
                                  {1, 1},
                                  shape_numel(s) > 32768,
                                  forward_backward([op](const Tensors& in) { return op(in[0]); }),
                                  [forward, backward](const Tensors& in) {
                                    Tensor y = host(in[0].shape()), dx = host(in[0].shape());
                                    forward(at(in[0]), at(y), y.numel());
                                    backward(at(in[0]), at(y), at(in[1]), at(dx), y.numel());
                                    return Tensors{y, dx};
                                  }});
            }
            return problems;
          }};
}

std::vector<OpRow> activation_rows() {
  const float slope = 0.1f, alpha = 0.7f;
  return {
      activation_row(
          "relu", 2, [](const Tensor& x) { return relu(x); }, ref::relu_forward,
          [](const float*, const float* y, const float* dy, float* dx, int64_t n) {
            ref::relu_backward(y, dy, dx, n);
          }),
      activation_row(
          "leaky_relu", 2, [=](const Tensor& x) { return leaky_relu(x, slope); },
          [=](const float* x, float* y, int64_t n) { ref::leaky_relu_forward(x, y, n, slope); },
          [=](const float* x, const float*, const float* dy, float* dx, int64_t n) {
            ref::leaky_relu_backward(x, dy, dx, n, slope);
          }),
      activation_row(
          "elu", 8, [=](const Tensor& x) { return elu(x, alpha); },
          [=](const float* x, float* y, int64_t n) { ref::elu_forward(x, y, n, alpha); },
          [=](const float*, const float* y, const float* dy, float* dx, int64_t n) {
            ref::elu_backward(y, dy, dx, n, alpha);
          }),
      activation_row(
          "sigmoid", 8, [](const Tensor& x) { return sigmoid(x); }, ref::sigmoid_forward,
          [](const float*, const float* y, const float* dy, float* dx, int64_t n) {
            ref::sigmoid_backward(y, dy, dx, n);
          }),
      activation_row(
          "tanh", 8, [](const Tensor& x) { return leuko::tanh(x); }, ref::tanh_forward,
          [](const float*, const float* y, const float* dy, float* dx, int64_t n) {
            ref::tanh_backward(y, dy, dx, n);
          }),
  };
}

// a (op) b with both broadcast; the reference backward sums each gradient back to its
// input's shape. `gradients(a, b, dy, out_shape)` gives {da, db} before that sum.
using BinaryGradients = std::function<std::pair<Tensor, Tensor>(const Tensor&, const Tensor&,
                                                                const Tensor&, const Shape&)>;

OpRow binary_row(const std::string& name, BinaryOp op, float ulps,
                 std::function<Tensor(const Tensor&, const Tensor&)> engine_op,
                 BinaryGradients gradients) {
  return {
      name, ulps, [=](Generator& g) {
        std::vector<Problem> problems;
        for (const auto& [a, b, out] :
             {std::tuple{Shape{3, 1, 5}, Shape{4, 1}, Shape{3, 4, 5}},
              std::tuple{Shape{1, 7}, Shape{9, 7}, Shape{9, 7}},
              std::tuple{Shape{64, 1, 33}, Shape{17, 33}, Shape{64, 17, 33}}}) {
          problems.push_back(
              {to_string(a) + " (op) " + to_string(b),
               {leaf(a, g), leaf(b, g, 0.5f, 2.0f), values(out, g)},
               {1, out[out.size() - 2], out[0]},  // the broadcast dims are summed
               shape_numel(out) > 32768,
               forward_backward([engine_op](const Tensors& in) { return engine_op(in[0], in[1]); }),
               [=](const Tensors& in) {
                 const Shape s = in[2].shape();
                 const auto [da, db] = gradients(in[0], in[1], in[2], s);
                 return Tensors{binary(op, in[0], in[1], s), sum_to_shape(da, in[0].shape()),
                                sum_to_shape(db, in[1].shape())};
               }});
        }
        return problems;
      }};
}

std::vector<OpRow> elementwise_rows() {
  return {
      binary_row(
          "add", BinaryOp::add, 2, [](const Tensor& a, const Tensor& b) { return a + b; },
          [](const Tensor&, const Tensor&, const Tensor& dy, const Shape&) {
            return std::pair{dy, dy};
          }),
      binary_row(
          "sub", BinaryOp::sub, 2, [](const Tensor& a, const Tensor& b) { return a - b; },
          [](const Tensor&, const Tensor&, const Tensor& dy, const Shape& s) {
            return std::pair{dy, binary(BinaryOp::sub, zeros({1}), dy, s)};
          }),
      binary_row(
          "mul", BinaryOp::mul, 2, [](const Tensor& a, const Tensor& b) { return a * b; },
          [](const Tensor& a, const Tensor& b, const Tensor& dy, const Shape& s) {
            return std::pair{binary(BinaryOp::mul, dy, b, s), binary(BinaryOp::mul, dy, a, s)};
          }),
      // d(a / b)/da = 1 / b, d(a / b)/db = -(a / b) / b.
      binary_row(
          "div", BinaryOp::div, 4, [](const Tensor& a, const Tensor& b) { return a / b; },
          [](const Tensor& a, const Tensor& b, const Tensor& dy, const Shape& s) {
            const Tensor dy_over_b = binary(BinaryOp::div, dy, b, s);
            const Tensor y = binary(BinaryOp::div, a, b, s);
            const Tensor db = binary(BinaryOp::mul, dy_over_b, y, s);
            return std::pair{dy_over_b, binary(BinaryOp::sub, zeros({1}), db, s)};
          }),
      // y = 2.5 x - 1 (the scalar forms, two affine passes); dx = 2.5 dy.
      {"affine", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const Shape& s : {Shape{5, 3}, Shape{300, 301}}) {
           problems.push_back(
               {to_string(s),
                {leaf(s, g), values(s, g)},
                {1, 1},
                s[0] > 100,
                forward_backward([](const Tensors& in) { return in[0] * 2.5f - 1.0f; }),
                [](const Tensors& in) {
                  Tensor y = host(in[0].shape()), dx = host(in[0].shape());
                  ref::affine_forward(at(in[0]), at(y), y.numel(), 2.5f, 0.0f);
                  ref::affine_forward(at(y), at(y), y.numel(), 1.0f, -1.0f);
                  ref::affine_forward(at(in[1]), at(dx), dx.numel(), 2.5f, 0.0f);
                  return Tensors{y, dx};
                }});
         }
         return problems;
       }},
      {"add_relu", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const Shape& s : {Shape{1, 3, 5, 7}, Shape{4, 16, 33, 35}}) {
           problems.push_back(
               {to_string(s),
                {leaf(s, g), leaf(s, g), values(s, g)},
                {1, 1, 1},
                shape_numel(s) > 32768,
                forward_backward([](const Tensors& in) { return add_relu(in[0], in[1]); }),
                [](const Tensors& in) {
                  Tensor y = host(in[0].shape()), dab = host(in[0].shape());
                  ref::add_relu_forward(at(in[0]), at(in[1]), y.numel(), at(y));
                  ref::add_relu_backward(at(in[2]), at(y), y.numel(), at(dab));
                  return Tensors{y, dab, dab.clone()};
                }});
         }
         return problems;
       }},
      {"dropout", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const Shape& s : {Shape{3, 5}, Shape{2, 8, 64, 65}}) {
           const float p = 0.3f;
           const uint64_t generator_seed = 77;
           problems.push_back({to_string(s) + ", p 0.3",
                               {leaf(s, g), values(s, g)},
                               {1, 1},
                               shape_numel(s) > 32768,
                               forward_backward([=](const Tensors& in) {
                                 Generator mask(generator_seed);
                                 return dropout(in[0], p, true, mask);
                               }),
                               [=](const Tensors& in) {
                                 const uint64_t seed =
                                     Generator(generator_seed).next_u64();  // as dropout draws
                                 Tensor y = host(in[0].shape()), dx = host(in[0].shape());
                                 ref::dropout_forward(at(in[0]), y.numel(), p, seed, at(y));
                                 ref::dropout_backward(at(in[1]), y.numel(), p, seed, at(dx));
                                 return Tensors{y, dx};
                               }});
         }
         return problems;
       }},
  };
}

// ---- layout: sum, permute, concat ----------------------------------------------------------

std::vector<OpRow> layout_rows() {
  return {
      // sum over dims {0, 2} (keepdim); the backward broadcasts the gradient back, which the
      // reference does as a gather with stride 0 on the summed dims.
      {"sum", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const Shape& s : {Shape{3, 4, 5, 2}, Shape{1, 7, 1, 9}, Shape{33, 5, 65, 17}}) {
           const Shape out{1, s[1], 1, s[3]};
           problems.push_back(
               {to_string(s) + " over dims 0, 2",
                {leaf(s, g), values(out, g)},
                {s[0] * s[2], 1},
                shape_numel(s) > 32768,
                forward_backward([](const Tensors& in) {
                  return sum(in[0], {0, 2}, true);
                }),
                [out](const Tensors& in) {
                  const Tensor& x = in[0];
                  Tensor y = host(out), dx = host(x.shape());
                  const std::vector<int64_t> strides = broadcast_strides(out, x.shape());
                  ref::sum_forward(at(x), x.shape().data(), 4, strides.data(), at(y), y.numel());
                  ref::strided_gather(at(in[1]), x.shape().data(), strides.data(), 4, sizeof(float),
                                      at(dx));
                  return Tensors{y, dx};
                }});
         }
         return problems;
       }},
      // contiguous(permute(x)): a strided gather; its backward a scatter.
      {"contiguous", 1,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const Shape& s : {Shape{2, 3, 4}, Shape{37, 41, 29}}) {
           const Shape out{s[2], s[0], s[1]};
           problems.push_back(
               {to_string(s) + " permuted to (2, 0, 1)",
                {leaf(s, g), values(out, g)},
                {1, 1},
                shape_numel(s) > 32768,
                forward_backward([](const Tensors& in) {
                  return contiguous(permute(in[0], {2, 0, 1}));
                }),
                [out](const Tensors& in) {
                  const Shape strides = contiguous_strides(in[0].shape());
                  const std::vector<int64_t> view{strides[2], strides[0], strides[1]};
                  Tensor y = host(out), dx = host(in[0].shape());
                  ref::strided_gather(at(in[0]), out.data(), view.data(), 3, sizeof(float), at(y));
                  ref::strided_scatter(at(in[1]), out.data(), view.data(), 3, sizeof(float),
                                       at(dx));
                  return Tensors{y, dx};
                }});
         }
         return problems;
       }},
      {"concat", 1,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const auto& [rows, a, b] :
              {std::array<int64_t, 3>{3, 2, 5}, {1, 1, 1}, {9, 64, 4001}}) {
           const Shape out{rows, a + b, 3};
           problems.push_back(
               {"dim 1 of " + to_string({rows, a, 3}) + " and " + to_string({rows, b, 3}),
                {leaf({rows, a, 3}, g), leaf({rows, b, 3}, g), values(out, g)},
                {1, 1, 1},
                shape_numel(out) > 32768,
                forward_backward([](const Tensors& in) {
                  return concat({in[0], in[1]}, 1);
                }),
                [](const Tensors& in) {
                  const int64_t outer = in[0].size(0);
                  const int64_t sizes[2] = {in[0].numel() / outer, in[1].numel() / outer};
                  const float* parts[2] = {at(in[0]), at(in[1])};
                  Tensor y = host(in[2].shape()), da = host(in[0].shape()),
                         db = host(in[1].shape());
                  float* grads[2] = {at(da), at(db)};
                  ref::concat_forward(parts, sizes, 2, outer, at(y));
                  ref::concat_backward(at(in[2]), sizes, 2, outer, grads);
                  return Tensors{y, da, db};
                }});
         }
         return problems;
       }},
  };
}

// ---- products: matmul, linear, conv2d, conv_transpose2d ------------------------------------

struct ConvCase {
  Shape x, w;
  int64_t stride, pad, dilation;
  bool large;
};

std::string conv_label(const ConvCase& c) {
  return "x " + to_string(c.x) + ", w " + to_string(c.w) + ", stride " + std::to_string(c.stride) +
         ", pad " + std::to_string(c.pad) + ", dilation " + std::to_string(c.dilation);
}

// Odd sizes, batch 1, stride 2, padding 0, dilation 2, a pointwise kernel, and sizes large
// enough that the fast kernel splits the output rows into bands.
std::vector<Problem> conv2d_problems(Generator& g) {
  const std::vector<ConvCase> cases{
      {{1, 1, 5, 5}, {1, 1, 3, 3}, 1, 0, 1, false},
      {{2, 3, 7, 9}, {4, 3, 3, 3}, 2, 1, 1, false},
      {{1, 2, 8, 7}, {3, 2, 2, 2}, 2, 0, 1, false},
      {{2, 3, 9, 8}, {2, 3, 3, 2}, 1, 2, 2, false},
      {{1, 4, 5, 6}, {5, 4, 1, 1}, 1, 0, 1, false},
      {{2, 16, 37, 41}, {24, 16, 3, 3}, 1, 1, 1, true},
      {{1, 8, 64, 63}, {16, 8, 5, 5}, 2, 2, 1, true},
  };
  std::vector<Problem> problems;
  for (const ConvCase& c : cases) {
    const ConvGeometry geo = conv_geometry(c.x, c.w, c.stride, c.pad, c.dilation);
    const Shape out{geo.batch, geo.out_channels, geo.out_h, geo.out_w};
    problems.push_back({conv_label(c),
                        {leaf(c.x, g), leaf(c.w, g), leaf({c.w[0]}, g), values(out, g)},
                        {geo.column_rows() + 1, geo.out_channels * geo.taps(),
                         geo.batch * geo.positions(), geo.batch * geo.positions()},
                        c.large,
                        forward_backward([c](const Tensors& in) {
                          return conv2d(in[0], in[1], in[2], c.stride, c.pad, c.dilation);
                        }),
                        [geo, out](const Tensors& in) {
                          Tensor y = host(out), dx = host(in[0].shape()), dw = host(in[1].shape()),
                                 db = host(in[2].shape());
                          ref::conv2d_forward(at(in[0]), at(in[1]), at(in[2]), at(y), geo);
                          ref::conv2d_backward_input(at(in[3]), at(in[1]), at(dx), geo);
                          ref::conv2d_backward_weight(at(in[3]), at(in[0]), at(dw), geo);
                          ref::conv2d_backward_bias(at(in[3]), at(db), geo.batch, geo.out_channels,
                                                    geo.positions());
                          return Tensors{y, dx, dw, db};
                        }});
  }
  return problems;
}

// x [N, C_in, H, W], weight [C_in, C_out, kh, kw]; output_padding 1 where stride 2 leaves
// room for it.
std::vector<Problem> conv_transpose2d_problems(Generator& g) {
  const std::vector<ConvCase> cases{
      {{1, 1, 3, 3}, {1, 1, 3, 3}, 1, 0, 1, false},    {{2, 3, 4, 5}, {3, 2, 2, 2}, 2, 0, 1, false},
      {{1, 2, 5, 3}, {2, 3, 3, 3}, 2, 1, 1, false},    {{2, 2, 4, 4}, {2, 2, 3, 2}, 1, 1, 2, false},
      {{2, 16, 31, 33}, {16, 8, 2, 2}, 2, 0, 1, true},
  };
  std::vector<Problem> problems;
  for (const ConvCase& c : cases) {
    const int64_t output_padding = c.stride > 1 ? 1 : 0;
    const auto out_size = [&](int64_t in, int64_t k) {
      return (in - 1) * c.stride - 2 * c.pad + c.dilation * (k - 1) + output_padding + 1;
    };
    // The conv2d that maps y back onto x (kernels/cpu/conv_transpose2d.h).
    ConvGeometry geo{};
    geo.batch = c.x[0];
    geo.channels = c.w[1];
    geo.height = out_size(c.x[2], c.w[2]);
    geo.width = out_size(c.x[3], c.w[3]);
    geo.out_channels = c.x[1];
    geo.kernel_h = c.w[2];
    geo.kernel_w = c.w[3];
    geo.stride_h = geo.stride_w = c.stride;
    geo.pad_h = geo.pad_w = c.pad;
    geo.dilation_h = geo.dilation_w = c.dilation;
    geo.out_h = c.x[2];
    geo.out_w = c.x[3];
    const Shape out{geo.batch, geo.channels, geo.height, geo.width};
    problems.push_back({conv_label(c) + ", output_padding " + std::to_string(output_padding),
                        {leaf(c.x, g), leaf(c.w, g), leaf({c.w[1]}, g), values(out, g)},
                        {geo.out_channels * geo.taps() + 1, geo.channels * geo.taps(),
                         geo.batch * geo.positions(), geo.batch * geo.height * geo.width},
                        c.large,
                        forward_backward([c, output_padding](const Tensors& in) {
                          return conv_transpose2d(in[0], in[1], in[2], c.stride, c.pad,
                                                  output_padding, c.dilation);
                        }),
                        [geo, out](const Tensors& in) {
                          Tensor y = host(out), dx = host(in[0].shape()), dw = host(in[1].shape()),
                                 db = host(in[2].shape());
                          ref::conv_transpose2d_forward(at(in[0]), at(in[1]), at(in[2]), at(y),
                                                        geo);
                          ref::conv_transpose2d_backward_input(at(in[3]), at(in[1]), at(dx), geo);
                          ref::conv_transpose2d_backward_weight(at(in[3]), at(in[0]), at(dw), geo);
                          ref::conv_transpose2d_backward_bias(at(in[3]), at(db), geo);
                          return Tensors{y, dx, dw, db};
                        }});
  }
  return problems;
}

std::vector<OpRow> product_rows() {
  return {
      {"matmul", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const auto& [batch, m, k, n] :
              {std::array<int64_t, 4>{1, 1, 1, 1}, {1, 3, 5, 7}, {2, 9, 17, 5}, {3, 67, 129, 65}}) {
           const Shape a{batch, m, k}, b{batch, k, n}, out{batch, m, n};
           problems.push_back(
               {to_string(a) + " x " + to_string(b),
                {leaf(a, g), leaf(b, g), values(out, g)},
                {k, n, m},
                m * k * n > 100000,
                forward_backward([](const Tensors& in) { return matmul(in[0], in[1]); }),
                [=](const Tensors& in) {
                  Tensor y = host(out), da = host(a), db = host(b);
                  ref::matmul_forward(at(in[0]), at(in[1]), at(y), batch, m, k, n);
                  ref::matmul_backward_a(at(in[2]), at(in[1]), at(da), batch, m, k, n);
                  ref::matmul_backward_b(at(in[0]), at(in[2]), at(db), batch, m, k, n);
                  return Tensors{y, da, db};
                }});
         }
         return problems;
       }},
      // y = x W^T + b: the bias broadcast into y, then one GEMM added to it.
      {"linear", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const auto& [rows, in, out] :
              {std::array<int64_t, 3>{1, 3, 2}, {7, 33, 10}, {129, 257, 65}}) {
           problems.push_back(
               {to_string({rows, in}) + " -> " + std::to_string(out),
                {leaf({rows, in}, g), leaf({out, in}, g), leaf({out}, g), values({rows, out}, g)},
                {in + 1, out, rows, rows},
                rows * in * out > 100000,
                forward_backward([](const Tensors& v) { return linear(v[0], v[1], v[2]); }),
                [=](const Tensors& v) {
                  Tensor y = host({rows, out}), dx = host({rows, in}), dw = host({out, in}),
                         db = host({out});
                  ref::broadcast_rows(at(v[2]), at(y), rows, out);
                  ref::gemm(false, true, rows, out, in, 1.0f, at(v[0]), in, at(v[1]), in, 1.0f,
                            at(y), out);
                  ref::gemm(false, false, rows, in, out, 1.0f, at(v[3]), out, at(v[1]), in, 0.0f,
                            at(dx), in);
                  ref::gemm(true, false, out, in, rows, 1.0f, at(v[3]), out, at(v[0]), in, 0.0f,
                            at(dw), in);
                  ref::sum_rows(at(v[3]), at(db), rows, out);
                  return Tensors{y, dx, dw, db};
                }});
         }
         return problems;
       }},
      {"conv2d", 2, [](Generator& g) { return conv2d_problems(g); }},
      {"conv_transpose2d", 2, [](Generator& g) { return conv_transpose2d_problems(g); }},
  };
}

// ---- normalization -------------------------------------------------------------------------

struct NormShape {
  Shape x;
  bool large;
};
const std::vector<NormShape> kNormShapes{
    {{2, 3, 5, 7}, false}, {{1, 4, 3, 3}, false}, {{5, 3}, false}, {{8, 32, 17, 19}, true}};

int64_t plane_size(const Shape& s) { return s.size() == 4 ? s[2] * s[3] : 1; }

// Inputs x, weight, bias, running mean and variance, then (optionally) a residual: x is
// offset from 0, so the mean matters.
Tensors norm_inputs(const Shape& s, Generator& g, bool residual) {
  const Shape c{s[1]};
  Tensors in{leaf(s, g, -1.0f, 2.0f), leaf(c, g, 0.5f, 1.5f), leaf(c, g), values(c, g),
             values(c, g, 0.5f, 1.5f)};
  if (residual) in.push_back(leaf(s, g));
  in.push_back(values(s, g));
  return in;
}

// The engine side of a normalization: forward_backward, then the running buffers (inputs 3
// and 4), which a training forward updates in place.
Run with_running_buffers(std::function<Tensor(const Tensors&)> op) {
  return [op](const Tensors& in) {
    Tensors out = forward_backward(op)(in);
    out.push_back(in[3]);
    out.push_back(in[4]);
    return out;
  };
}

constexpr float kMomentum = 0.1f, kEps = 1e-5f;

std::vector<OpRow> normalization_rows() {
  return {
      {"batch_norm train", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const NormShape& ns : kNormShapes) {
           const Shape s = ns.x;
           const int64_t N = s[0], C = s[1], S = plane_size(s), m = N * S;
           problems.push_back(
               {to_string(s),
                norm_inputs(s, g, false),
                {1, m, m, m, m, m},
                ns.large,
                with_running_buffers([](const Tensors& v) {
                  return batch_norm(v[0], v[1], v[2], v[3], v[4], true, kMomentum, kEps);
                }),
                [=](const Tensors& in) {
                  Tensor y = host(s), mean = host({C}), var = host({C}), inv_std = host({C});
                  Tensor dx = host(s), dw = host({C}), db = host({C});
                  Tensor running_mean = in[3].clone(), running_var = in[4].clone();
                  ref::batch_norm_forward_batch_stats(at(in[0]), N, C, S, at(in[1]), at(in[2]),
                                                      kEps, at(y), at(mean), at(var), at(inv_std));
                  ref::batch_norm_update_running(at(mean), at(var), C, m, kMomentum,
                                                 at(running_mean), at(running_var));
                  ref::batch_norm_backward(at(in[5]), at(in[0]), N, C, S, at(mean), at(inv_std),
                                           at(in[1]), true, at(dx), at(dw), at(db));
                  return Tensors{y, dx, dw, db, running_mean, running_var};
                }});
         }
         return problems;
       }},
      {"batch_norm eval", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const NormShape& ns : kNormShapes) {
           const Shape s = ns.x;
           const int64_t N = s[0], C = s[1], S = plane_size(s), m = N * S;
           problems.push_back(
               {to_string(s),
                norm_inputs(s, g, false),
                {1, 1, m, m},
                ns.large,
                forward_backward([](const Tensors& v) {
                  return batch_norm(v[0], v[1], v[2], v[3], v[4], false, kMomentum, kEps);
                }),
                [=](const Tensors& in) {
                  Tensor y = host(s), inv_std = host({C}), dx = host(s), dw = host({C}),
                         db = host({C});
                  ref::batch_norm_forward_fixed_stats(at(in[0]), N, C, S, at(in[3]), at(in[4]),
                                                      at(in[1]), at(in[2]), kEps, at(y),
                                                      at(inv_std));
                  ref::batch_norm_backward(at(in[5]), at(in[0]), N, C, S, at(in[3]), at(inv_std),
                                           at(in[1]), false, at(dx), at(dw), at(db));
                  return Tensors{y, dx, dw, db};
                }});
         }
         return problems;
       }},
      {"batch_norm_relu train", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const NormShape& ns : kNormShapes) {
           const Shape s = ns.x;
           const int64_t N = s[0], C = s[1], S = plane_size(s), m = N * S;
           problems.push_back(
               {to_string(s) + " + residual",
                norm_inputs(s, g, true),
                {1, m, m, m, 1, m, m},
                ns.large,
                with_running_buffers([](const Tensors& v) {
                  return batch_norm_relu(v[0], v[1], v[2], v[3], v[4], true, kMomentum, kEps, v[5]);
                }),
                [=](const Tensors& in) {
                  Tensor y = host(s), mean = host({C}), var = host({C}), inv_std = host({C});
                  Tensor dx = host(s), dw = host({C}), db = host({C}), dr = host(s);
                  Tensor running_mean = in[3].clone(), running_var = in[4].clone();
                  ref::batch_norm_relu_forward_batch_stats(at(in[0]), N, C, S, at(in[1]), at(in[2]),
                                                           at(in[5]), kEps, at(y), at(mean),
                                                           at(var), at(inv_std));
                  ref::batch_norm_update_running(at(mean), at(var), C, m, kMomentum,
                                                 at(running_mean), at(running_var));
                  ref::batch_norm_relu_backward(at(in[6]), at(in[0]), at(y), N, C, S, at(mean),
                                                at(inv_std), at(in[1]), at(in[2]), true, at(dx),
                                                at(dw), at(db), at(dr));
                  return Tensors{y, dx, dw, db, dr, running_mean, running_var};
                }});
         }
         return problems;
       }},
      {"batch_norm_relu eval", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const NormShape& ns : kNormShapes) {
           const Shape s = ns.x;
           const int64_t N = s[0], C = s[1], S = plane_size(s), m = N * S;
           problems.push_back(
               {to_string(s),
                norm_inputs(s, g, false),
                {1, 1, m, m},
                ns.large,
                forward_backward([](const Tensors& v) {
                  return batch_norm_relu(v[0], v[1], v[2], v[3], v[4], false, kMomentum, kEps);
                }),
                [=](const Tensors& in) {
                  Tensor y = host(s), inv_std = host({C}), dx = host(s), dw = host({C}),
                         db = host({C});
                  ref::batch_norm_relu_forward_fixed_stats(at(in[0]), N, C, S, at(in[3]), at(in[4]),
                                                           at(in[1]), at(in[2]), nullptr, kEps,
                                                           at(y), at(inv_std));
                  ref::batch_norm_relu_backward(at(in[5]), at(in[0]), nullptr, N, C, S, at(in[3]),
                                                at(inv_std), at(in[1]), at(in[2]), false, at(dx),
                                                at(dw), at(db), nullptr);
                  return Tensors{y, dx, dw, db};
                }});
         }
         return problems;
       }},
      // relu(batch_norm(conv2d(x)) + residual) in training, the conv without a bias (batch
      // norm takes the mean out, so a conv bias would get a zero gradient, all rounding).
      {"conv_batch_norm_relu train", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const ConvCase& c : {ConvCase{{2, 3, 7, 9}, {4, 3, 3, 3}, 2, 1, 1, false},
                                   ConvCase{{1, 2, 6, 5}, {3, 2, 1, 1}, 1, 0, 1, false},
                                   ConvCase{{4, 16, 33, 31}, {32, 16, 3, 3}, 1, 1, 1, true}}) {
           const ConvGeometry geo = conv_geometry(c.x, c.w, c.stride, c.pad, 1);
           const int64_t N = geo.batch, C = geo.out_channels, S = geo.positions(), m = N * S;
           const Shape out{N, C, geo.out_h, geo.out_w};
           const Shape ch{C};
           Tensors in{leaf(c.x, g), leaf(c.w, g),  leaf(ch, g, 0.5f, 1.5f),
                      leaf(ch, g),  values(ch, g), values(ch, g, 0.5f, 1.5f),
                      leaf(out, g), values(out, g)};
           const int64_t deep = m * geo.column_rows();  // batch norm's sums over conv outputs
           problems.push_back(
               {conv_label(c) + " + residual",
                in,
                {geo.column_rows(), deep, deep, m, m, 1, m, m},
                c.large,
                [c](const Tensors& v) {
                  const Tensors args{v[0], v[1], v[2], v[3], v[6], v[7]};
                  Tensors out = forward_backward([c, &v](const Tensors& a) {
                    return conv_batch_norm_relu(a[0], a[1], Tensor(), a[2], a[3], v[4], v[5],
                                                c.stride, c.pad, true, kMomentum, kEps, a[4]);
                  })(args);
                  out.push_back(v[4]);
                  out.push_back(v[5]);
                  return out;
                },
                [=](const Tensors& v) {
                  Tensor conv = host(out), y = host(out), mean = host(ch), var = host(ch),
                         inv_std = host(ch), dconv = host(out), dbw = host(ch), dbb = host(ch),
                         dr = host(out), dx = host(c.x), dw = host(c.w);
                  Tensor running_mean = v[4].clone(), running_var = v[5].clone();
                  ref::conv2d_forward(at(v[0]), at(v[1]), nullptr, at(conv), geo);
                  ref::batch_norm_relu_forward_batch_stats(at(conv), N, C, S, at(v[2]), at(v[3]),
                                                           at(v[6]), kEps, at(y), at(mean), at(var),
                                                           at(inv_std));
                  ref::batch_norm_update_running(at(mean), at(var), C, m, kMomentum,
                                                 at(running_mean), at(running_var));
                  ref::batch_norm_relu_backward(at(v[7]), at(conv), at(y), N, C, S, at(mean),
                                                at(inv_std), at(v[2]), at(v[3]), true, at(dconv),
                                                at(dbw), at(dbb), at(dr));
                  ref::conv2d_backward_input(at(dconv), at(v[1]), at(dx), geo);
                  ref::conv2d_backward_weight(at(dconv), at(v[0]), at(dw), geo);
                  return Tensors{y, dx, dw, dbw, dbb, dr, running_mean, running_var};
                }});
         }
         return problems;
       }},
  };
}

// ---- pooling ---------------------------------------------------------------------------------

struct PoolCase {
  Shape x;
  int64_t kernel, stride, pad;
  bool ceil_mode, large;
};

Pool2dShape pool_shape(const PoolCase& c) {
  return {c.x[0] * c.x[1],
          c.x[2],
          c.x[3],
          pooled_size(c.x[2], c.kernel, c.stride, c.pad, c.ceil_mode),
          pooled_size(c.x[3], c.kernel, c.stride, c.pad, c.ceil_mode),
          c.kernel,
          c.kernel,
          c.stride,
          c.stride,
          c.pad,
          c.pad};
}

std::string pool_label(const PoolCase& c) {
  return to_string(c.x) + ", k" + std::to_string(c.kernel) + " s" + std::to_string(c.stride) +
         " p" + std::to_string(c.pad) + (c.ceil_mode ? " ceil" : "");
}

// Odd sizes, batch 1, padding 0 (the 2x2 fast path) and 1, overlapping windows, ceil_mode.
const std::vector<PoolCase> kPoolCases{
    {{1, 1, 5, 5}, 2, 2, 0, false, false},   {{2, 3, 7, 9}, 3, 2, 1, false, false},
    {{1, 2, 8, 8}, 3, 2, 1, true, false},    {{2, 3, 6, 7}, 2, 1, 0, false, false},
    {{4, 16, 64, 65}, 2, 2, 0, false, true}, {{2, 8, 33, 31}, 3, 2, 1, true, true},
};

std::vector<OpRow> pool_rows() {
  return {
      {"max_pool2d", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const PoolCase& c : kPoolCases) {
           const Pool2dShape s = pool_shape(c);
           const Shape out{c.x[0], c.x[1], s.out_h, s.out_w};
           problems.push_back({pool_label(c),
                               {leaf(c.x, g), values(out, g)},
                               {1, c.kernel * c.kernel},
                               c.large,
                               forward_backward([c](const Tensors& in) {
                                 return max_pool2d(in[0], c.kernel, c.stride, c.pad, c.ceil_mode);
                               }),
                               [=](const Tensors& in) {
                                 Tensor y = host(out), dx = host(c.x);
                                 std::vector<int32_t> winners(y.numel());
                                 ref::max_pool2d_forward(at(in[0]), s, at(y), winners.data());
                                 ref::max_pool2d_backward(at(in[1]), winners.data(), s, at(dx));
                                 return Tensors{y, dx};
                               }});
         }
         return problems;
       }},
      {"avg_pool2d", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const PoolCase& c : kPoolCases) {
           for (const bool include_pad : {true, false}) {
             if (!include_pad && c.pad == 0) continue;  // the same as with it
             const Pool2dShape s = pool_shape(c);
             const Shape out{c.x[0], c.x[1], s.out_h, s.out_w};
             problems.push_back({pool_label(c) + (include_pad ? "" : " excluding padding"),
                                 {leaf(c.x, g), values(out, g)},
                                 {c.kernel * c.kernel, c.kernel * c.kernel},
                                 c.large,
                                 forward_backward([c, include_pad](const Tensors& in) {
                                   return avg_pool2d(in[0], c.kernel, c.stride, c.pad, c.ceil_mode,
                                                     include_pad);
                                 }),
                                 [=](const Tensors& in) {
                                   Tensor y = host(out), dx = host(c.x);
                                   ref::avg_pool2d_forward(at(in[0]), s, include_pad, at(y));
                                   ref::avg_pool2d_backward(at(in[1]), s, include_pad, at(dx));
                                   return Tensors{y, dx};
                                 }});
           }
         }
         return problems;
       }},
      {"global_avg_pool", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const auto& [s, large] :
              {std::pair{Shape{1, 3, 5, 7}, false}, std::pair{Shape{2, 64, 33, 35}, true}}) {
           const Shape out{s[0], s[1], 1, 1};
           problems.push_back(
               {to_string(s),
                {leaf(s, g), values(out, g)},
                {s[2] * s[3], 1},
                large,
                forward_backward([](const Tensors& in) { return global_avg_pool(in[0]); }),
                [=](const Tensors& in) {
                  Tensor y = host(out), dx = host(s);
                  ref::global_avg_pool_forward(at(in[0]), s[0] * s[1], s[2] * s[3], at(y));
                  ref::global_avg_pool_backward(at(in[1]), s[0] * s[1], s[2] * s[3], at(dx));
                  return Tensors{y, dx};
                }});
         }
         return problems;
       }},
  };
}

// ---- softmax and the losses ------------------------------------------------------------------

using LineKernel = void (*)(const float*, float*, int64_t, int64_t, int64_t);
using LineBackward = void (*)(const float*, const float*, float*, int64_t, int64_t, int64_t);

OpRow softmax_row(const std::string& name, Tensor (*op)(const Tensor&, int64_t), LineKernel forward,
                  LineBackward backward) {
  return {
      name, 8, [=](Generator& g) {
        std::vector<Problem> problems;
        for (const auto& [s, dim] : {std::pair{Shape{3, 5, 4}, 1}, std::pair{Shape{7, 10}, 1},
                                     std::pair{Shape{10, 7}, 0}, std::pair{Shape{1, 1}, 1},
                                     std::pair{Shape{64, 1001}, 1}, std::pair{Shape{999, 65}, 0}}) {
          int64_t outer = 1, inner = 1;
          for (int64_t d = 0; d < dim; ++d) outer *= s[d];
          for (size_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
          const int64_t size = s[dim];
          problems.push_back(
              {to_string(s) + " along dim " + std::to_string(dim),
               {leaf(s, g, -4.0f, 4.0f), values(s, g)},
               {size, size},
               shape_numel(s) > 32768,
               forward_backward([op, dim](const Tensors& in) { return op(in[0], dim); }),
               [=](const Tensors& in) {
                 Tensor y = host(s), dx = host(s);
                 forward(at(in[0]), at(y), outer, size, inner);
                 backward(at(y), at(in[1]), at(dx), outer, size, inner);
                 return Tensors{y, dx};
               }});
        }
        return problems;
      }};
}

std::vector<OpRow> loss_rows() {
  return {
      softmax_row("softmax", &softmax, ref::softmax_forward, ref::softmax_backward),
      softmax_row("log_softmax", &log_softmax, ref::log_softmax_forward, ref::log_softmax_backward),
      {"cross_entropy", 8,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const auto& [n, k, weighted] :
              {std::tuple{1, 2, true}, std::tuple{7, 5, true}, std::tuple{16, 5, false},
               std::tuple{512, 100, true}}) {
           std::vector<int64_t> labels(n);
           for (int64_t& label : labels) label = static_cast<int64_t>(g.next_u64() % k);
           Tensors in{leaf({n, k}, g, -3.0f, 3.0f), from_vector_i64(labels, {n})};
           if (weighted) in.push_back(values({k}, g, 0.5f, 2.0f));
           in.push_back(scalar(0.7f));
           problems.push_back({to_string({n, k}) + (weighted ? " weighted" : ""),
                               in,
                               {n * k, k},
                               n * k > 32768,
                               forward_backward([weighted](const Tensors& v) {
                                 return cross_entropy(v[0], v[1], weighted ? v[2] : Tensor());
                               }),
                               [=](const Tensors& v) {
                                 const float* weights = weighted ? at(v[2]) : nullptr;
                                 const int64_t* label_data = v[1].data<int64_t>();
                                 Tensor lse = host({n}), dlogits = host({n, k});
                                 const cpu::CrossEntropyForward result = ref::cross_entropy_forward(
                                     at(v[0]), label_data, weights, n, k, at(lse));
                                 ref::cross_entropy_backward(at(v[0]), label_data, weights, at(lse),
                                                             n, k, result.weight_total,
                                                             v.back().item(), at(dlogits));
                                 return Tensors{scalar(result.loss), dlogits};
                               }});
         }
         return problems;
       }},
      {"mse_loss", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const Shape& s : {Shape{7}, Shape{2, 3, 5, 5}, Shape{8, 3, 64, 64}}) {
           const int64_t n = shape_numel(s);
           problems.push_back(
               {to_string(s),
                {leaf(s, g), leaf(s, g), scalar(0.7f)},
                {n, 1, 1},
                n > 32768,
                forward_backward([](const Tensors& v) { return mse_loss(v[0], v[1]); }),
                [=](const Tensors& v) {
                  Tensor dp = host(s), dt = host(s);
                  const float loss = ref::mse_forward(at(v[0]), at(v[1]), n);
                  ref::mse_backward(at(v[0]), at(v[1]), n, v[2].item(), at(dp), at(dt));
                  return Tensors{scalar(loss), dp, dt};
                }});
         }
         return problems;
       }},
      // Mean SSIM of an image and a noisy copy of it (SSIM near 0.9, where the loss is used).
      {"ssim", 2,
       [](Generator& g) {
         std::vector<Problem> problems;
         for (const Shape& s : {Shape{1, 1, 11, 11}, Shape{2, 3, 13, 17}, Shape{2, 3, 64, 64}}) {
           const Tensor x = uniform(s, 0.0f, 1.0f, g);
           const Tensor y = (x * 0.8f + uniform(s, 0.0f, 0.2f, g)).set_requires_grad(true);
           const int64_t planes = s[0] * s[1], h = s[2], w = s[3];
           problems.push_back({to_string(s),
                               {Tensor(x).set_requires_grad(true), y, scalar(0.7f)},
                               {121, 121, 121},
                               shape_numel(s) > 20000,
                               forward_backward([](const Tensors& v) { return ssim(v[0], v[1]); }),
                               [=](const Tensors& v) {
                                 Tensor dx = host(s), dy = host(s);
                                 const double mean =
                                     ref::ssim_forward(at(v[0]), at(v[1]), planes, h, w, 1.0f);
                                 ref::ssim_backward(at(v[0]), at(v[1]), planes, h, w, 1.0f,
                                                    v[2].item(), at(dx), at(dy));
                                 return Tensors{scalar(static_cast<float>(mean)), dx, dy};
                               }});
         }
         return problems;
       }},
  };
}

// ---- optimizers and gradient clipping --------------------------------------------------------

constexpr int kSteps = 3;

// A parameter and kSteps gradients for it.
Tensors parameter_and_gradients(int64_t n, Generator& g) {
  Tensors in{leaf({n}, g)};
  for (int t = 0; t < kSteps; ++t) in.push_back(values({n}, g));
  return in;
}

// The engine side of an optimizer: kSteps steps of `Optimizer` over the parameter in[0].
template <typename Optimizer, typename Options>
Run optimizer_steps(Options options) {
  return [options](const Tensors& in) {
    Tensor param = in[0];
    Optimizer optimizer({param}, options);
    for (int t = 1; t <= kSteps; ++t) {
      param.set_grad(in[t].clone());
      optimizer.step();
    }
    return Tensors{param.detach()};
  };
}

const std::vector<int64_t> kParameterSizes{1, 7, 40001};

std::vector<OpRow> optimizer_rows() {
  OpRow sgd{"sgd", 2,
            [](Generator& g) {
              std::vector<Problem> problems;
              for (const int64_t n : kParameterSizes) {
                for (const optim::SGDOptions o : {optim::SGDOptions{0.1, 0.0, 0.0, 0.0, false},
                                                  optim::SGDOptions{0.1, 0.9, 0.1, 0.01, false},
                                                  optim::SGDOptions{0.1, 0.9, 0.0, 0.01, true}}) {
                  problems.push_back(
                      {std::to_string(n) + " values, momentum " + std::to_string(o.momentum) +
                           (o.nesterov ? " nesterov" : ""),
                       parameter_and_gradients(n, g),
                       {kSteps},
                       n > 32768,
                       optimizer_steps<optim::SGD>(o),
                       [o, n](const Tensors& in) {
                         Tensor param = in[0].clone(), buffer = host({n});
                         const SgdHyperparameters h{static_cast<float>(o.lr),
                                                    static_cast<float>(o.momentum),
                                                    static_cast<float>(1.0 - o.dampening),
                                                    static_cast<float>(o.weight_decay), o.nesterov};
                         for (int t = 1; t <= kSteps; ++t) {
                           ref::sgd_step(at(param), at(in[t]),
                                         o.momentum != 0 ? at(buffer) : nullptr, n, h, t == 1);
                         }
                         return Tensors{param};
                       }});
                }
              }
              return problems;
            },
            false};
  // Adam's step scalars, computed in double as torch.optim.Adam does.
  const auto adam_reference = [](double lr, double weight_decay, bool decoupled, int64_t n) {
    return [=](const Tensors& in) {
      const double beta1 = 0.9, beta2 = 0.999;
      Tensor param = in[0].clone(), m = host({n}), v = host({n});
      for (int t = 1; t <= kSteps; ++t) {
        const AdamHyperparameters h{static_cast<float>(beta1),
                                    static_cast<float>(1.0 - beta1),
                                    static_cast<float>(beta2),
                                    static_cast<float>(1.0 - beta2),
                                    1e-8f,
                                    static_cast<float>(decoupled ? 0.0 : weight_decay),
                                    static_cast<float>(decoupled ? 1.0 - lr * weight_decay : 1.0),
                                    static_cast<float>(lr / (1.0 - std::pow(beta1, t))),
                                    static_cast<float>(std::sqrt(1.0 - std::pow(beta2, t)))};
        ref::adam_step(at(param), at(in[t]), at(m), at(v), n, h);
      }
      return Tensors{param};
    };
  };
  OpRow adam{
      "adam", 4,
      [adam_reference](Generator& g) {
        std::vector<Problem> problems;
        for (const int64_t n : kParameterSizes) {
          problems.push_back(
              {std::to_string(n) + " values, Adam, weight decay 0.01",
               parameter_and_gradients(n, g),
               {kSteps},
               n > 32768,
               optimizer_steps<optim::Adam>(optim::AdamOptions{.lr = 0.01, .weight_decay = 0.01}),
               adam_reference(0.01, 0.01, false, n)});
          problems.push_back(
              {std::to_string(n) + " values, AdamW, weight decay 0.1",
               parameter_and_gradients(n, g),
               {kSteps},
               n > 32768,
               optimizer_steps<optim::AdamW>(optim::AdamWOptions{.lr = 0.01, .weight_decay = 0.1}),
               adam_reference(0.01, 0.1, true, n)});
        }
        return problems;
      },
      false};
  OpRow rmsprop{
      "rmsprop", 4,
      [](Generator& g) {
        std::vector<Problem> problems;
        for (const int64_t n : kParameterSizes) {
          for (const optim::RMSpropOptions o :
               {optim::RMSpropOptions{.lr = 0.01},
                optim::RMSpropOptions{
                    .lr = 0.01, .weight_decay = 0.01, .momentum = 0.9, .centered = true}}) {
            problems.push_back(
                {std::to_string(n) + " values" + (o.centered ? ", centered, momentum" : ""),
                 parameter_and_gradients(n, g),
                 {kSteps},
                 n > 32768,
                 optimizer_steps<optim::RMSprop>(o),
                 [o, n](const Tensors& in) {
                   Tensor param = in[0].clone(), square = host({n}), mean = host({n}),
                          buffer = host({n});
                   const RmspropHyperparameters h{
                       static_cast<float>(o.lr),           static_cast<float>(o.alpha),
                       static_cast<float>(1.0 - o.alpha),  static_cast<float>(o.eps),
                       static_cast<float>(o.weight_decay), static_cast<float>(o.momentum)};
                   for (int t = 1; t <= kSteps; ++t) {
                     ref::rmsprop_step(at(param), at(in[t]), at(square),
                                       o.centered ? at(mean) : nullptr,
                                       o.momentum > 0 ? at(buffer) : nullptr, n, h);
                   }
                   return Tensors{param};
                 }});
          }
        }
        return problems;
      },
      false};
  // clip_grad_norm_ over two gradients: the total norm, and both gradients scaled; with
  // norm_type 0, clip_grad_value_ at 0.5 instead.
  OpRow clip{"clip_grad", 2,
             [](Generator& g) {
               std::vector<Problem> problems;
               for (const int64_t n : {int64_t{5}, int64_t{40001}}) {
                 for (const double norm_type : {2.0, 1.0, 3.0, optim::kInfinityNorm, 0.0}) {
                   problems.push_back(
                       {std::to_string(n) + " + 7 values, " +
                            (norm_type == 0.0 ? std::string("by value")
                                              : "norm " + std::to_string(norm_type)),
                        {leaf({n}, g), leaf({7}, g), values({n}, g), values({7}, g)},
                        {n + 7, n + 7, n + 7},
                        n > 32768,
                        [norm_type](const Tensors& in) {
                          Tensor a = in[0], b = in[1];
                          a.set_grad(in[2].clone());
                          b.set_grad(in[3].clone());
                          float total = 0.0f;
                          if (norm_type == 0.0) {
                            optim::clip_grad_value_({a, b}, 0.5);
                          } else {
                            total = optim::clip_grad_norm_({a, b}, 0.5, norm_type);
                          }
                          return Tensors{scalar(total, a.device()), a.grad(), b.grad()};
                        },
                        [norm_type](const Tensors& in) {
                          Tensor ga = in[2].clone(), gb = in[3].clone();
                          double total = 0.0;
                          if (norm_type == 0.0) {
                            ref::clamp_inplace(at(ga), ga.numel(), 0.5f);
                            ref::clamp_inplace(at(gb), gb.numel(), 0.5f);
                          } else {
                            if (norm_type == optim::kInfinityNorm) {
                              total = std::max(ref::max_abs(at(ga), ga.numel()),
                                               ref::max_abs(at(gb), gb.numel()));
                            } else {
                              total = std::pow(ref::sum_abs_pow(at(ga), ga.numel(), norm_type) +
                                                   ref::sum_abs_pow(at(gb), gb.numel(), norm_type),
                                               1.0 / norm_type);
                            }
                            const float factor =
                                static_cast<float>(std::min(0.5 / (total + 1e-6), 1.0));
                            ref::scale_inplace(at(ga), ga.numel(), factor);
                            ref::scale_inplace(at(gb), gb.numel(), factor);
                          }
                          return Tensors{scalar(static_cast<float>(total)), ga, gb};
                        }});
                 }
               }
               return problems;
             },
             false};
  return {sgd, adam, rmsprop, clip};
}

std::vector<OpRow> all_rows() {
  std::vector<OpRow> rows;
  for (auto group : {activation_rows, elementwise_rows, layout_rows, product_rows,
                     normalization_rows, pool_rows, loss_rows, optimizer_rows}) {
    for (OpRow& row : group()) rows.push_back(std::move(row));
  }
  return rows;
}

// ---- comparing -------------------------------------------------------------------------------

// |actual - expected| <= eps * (ulps * |expected| + 4 * sqrt(terms) * max|expected|), eps =
// float32's machine epsilon (2^-23). The first part is the element's own rounding. The
// second is that of a sum of `terms` terms added in another order (blocked, threaded, fused
// multiply-adds, a GPU's tree), which differs by about sqrt(terms) roundings of the partial
// sums for random-signed data; the partial sums are no larger than the largest result, up to
// a small factor. It is what lets the same bounds hold on any CPU (AMD or Intel, whatever
// kernel OPENBLAS_CORETYPE picks) and on a GPU: none of them promises a summation order.
// Returns "" when every element is within, else the worst element.
std::string outside_bounds(const Tensor& actual, const Tensor& expected, float ulps,
                           int64_t terms) {
  if (actual.shape() != expected.shape()) {
    return "shape " + to_string(actual.shape()) + ", expected " + to_string(expected.shape());
  }
  const std::vector<float> a = actual.to_vector(), e = expected.to_vector();
  double largest = 0.0;
  for (const float v : e) largest = std::max(largest, std::fabs(double{v}));
  const double eps = std::numeric_limits<float>::epsilon();
  const double sum_slack = eps * 4.0 * std::sqrt(static_cast<double>(terms)) * largest;
  double worst_ratio = 0.0;
  size_t worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double bound = eps * ulps * std::fabs(double{e[i]}) + sum_slack;
    const double diff = std::fabs(double{a[i]} - e[i]);
    if (diff <= bound) continue;
    const double ratio = std::isnan(diff) ? INFINITY : diff / bound;
    if (ratio >= worst_ratio) {
      worst_ratio = ratio;
      worst = i;
    }
  }
  if (worst_ratio == 0.0) return "";
  std::ostringstream out;
  out << "element " << worst << " is " << a[worst] << ", expected " << e[worst] << " (bound "
      << eps * ulps * std::fabs(double{e[worst]}) + sum_slack << ")";
  return out.str();
}

// A fresh copy of x on `device` that requires grad as x does (a leaf there).
Tensor leaf_on(const Tensor& x, Device device) {
  Tensor copy = device == Device::cpu ? x.clone() : x.to(device);
  if (x.requires_grad()) copy.set_requires_grad(true);
  return copy;
}

// The reference's gradients against central differences of its own forward: for a sample of
// elements of each input that requires grad, d/dx of L = sum(y * dy) (y the first result,
// dy the last input), with L summed in double. Returns "" or what disagrees. Tolerances are
// testing::gradcheck's (float32 outputs give a few significant digits). Two steps are tried:
// a ReLU or max kink within the larger one spoils it (a batch norm input moves every
// pre-ReLU value of its channel), and the rounding of y to float spoils the smaller one
// where the gradient is small; the element passes if either agrees.
std::string reference_gradient_mismatch(const Problem& p) {
  const Tensors results = p.reference(p.inputs);
  const std::vector<float> weights = p.inputs.back().to_vector();
  const auto loss = [&](const Tensors& inputs) {
    const std::vector<float> y = p.reference(inputs)[0].to_vector();
    double total = 0.0;
    for (size_t i = 0; i < y.size(); ++i) total += double{y[i]} * weights[i];
    return total;
  };
  // d L / d input k at element i by central differences with step h.
  const auto numeric = [&](size_t k, int64_t i, float h) {
    Tensors plus, minus;
    for (const Tensor& x : p.inputs) {
      plus.push_back(x.detach().clone());
      minus.push_back(x.detach().clone());
    }
    const float x = at(p.inputs[k])[i];
    at(plus[k])[i] = x + h;
    at(minus[k])[i] = x - h;
    return (loss(plus) - loss(minus)) / (double{at(plus[k])[i]} - at(minus[k])[i]);
  };
  const auto agrees = [](double numeric, double analytic) {
    return std::fabs(numeric - analytic) <=
           1e-3 + 1e-2 * std::max(std::fabs(numeric), std::fabs(analytic));
  };
  size_t result = 1;
  for (size_t k = 0; k + 1 < p.inputs.size(); ++k) {
    if (!p.inputs[k].requires_grad()) continue;
    const std::vector<float> analytic = results[result++].to_vector();
    const int64_t n = p.inputs[k].numel(), samples = std::min<int64_t>(n, 6);
    for (int64_t sample = 0; sample < samples; ++sample) {
      const int64_t i = sample * n / samples;
      const double coarse = numeric(k, i, 1e-3f);
      if (agrees(coarse, analytic[i]) || agrees(numeric(k, i, 1e-4f), analytic[i])) continue;
      std::ostringstream out;
      out << "input " << k << " element " << i << ": gradient " << analytic[i]
          << ", central difference " << coarse;
      return out.str();
    }
  }
  return "";
}

enum class Column { reference, cpu, cuda_emu, cuda };
constexpr Column kColumns[] = {Column::reference, Column::cpu, Column::cuda_emu, Column::cuda};

const char* column_name(Column c) {
  switch (c) {
    case Column::reference:
      return "reference";
    case Column::cpu:
      return "cpu";
    case Column::cuda_emu:
      return "cuda-emu";
    case Column::cuda:
      return "cuda";
  }
  return "?";
}

Device column_device(Column c) {
  return c == Column::cuda ? Device::cuda : c == Column::cuda_emu ? Device::cuda_emu : Device::cpu;
}

// One cell of the matrix: runs every problem of `row` that this column takes, CHECKs each
// result and returns the cell's text.
std::string run_cell(const OpRow& row, const std::vector<Problem>& problems, Column column) {
  if (column == Column::cuda && !device_available(Device::cuda)) return "no GPU";
  if (column == Column::reference && !row.differentiable) return "truth";
  int ran = 0, failed = 0;
  for (const Problem& p : problems) {
    if (p.large && column != Column::cpu) continue;
    const std::string where = row.name + " on " + column_name(column) + ", " + p.label;
    ++ran;
    if (column == Column::reference) {
      const std::string mismatch = reference_gradient_mismatch(p);
      if (!mismatch.empty()) {
        FAIL_CHECK(where, ": ", mismatch);
        ++failed;
      }
      continue;
    }
    const Device device = column_device(column);
    Tensors inputs;
    for (const Tensor& x : p.inputs) inputs.push_back(leaf_on(x, device));
    Tensors actual;
    try {
      actual = p.run(inputs);
    } catch (const Error& e) {
      if (std::string(e.what()).find("no implementation for device") != std::string::npos) {
        return "n/i";
      }
      throw;
    }
    const Tensors expected = p.reference(p.inputs);
    REQUIRE_MESSAGE(actual.size() == expected.size(), where, ": ", actual.size(), " results, ",
                    expected.size(), " expected");
    REQUIRE_MESSAGE(p.terms.size() == expected.size(), where, ": ", p.terms.size(),
                    " term counts for ", expected.size(), " results");
    bool ok = true;
    for (size_t r = 0; r < actual.size(); ++r) {
      REQUIRE_MESSAGE(actual[r].defined(), where, ": result ", r, " is missing");
      CHECK_MESSAGE(actual[r].device() == device, where, ": result ", r, " left the device");
      const std::string off =
          outside_bounds(actual[r].to(Device::cpu), expected[r], row.ulps, p.terms[r]);
      if (!off.empty()) {
        FAIL_CHECK(where, ": result ", r, ": ", off);
        ok = false;
      }
    }
    failed += ok ? 0 : 1;
  }
  return failed == 0 ? "pass " + std::to_string(ran)
                     : "FAIL " + std::to_string(failed) + "/" + std::to_string(ran);
}

}  // namespace

TEST_CASE("every op on every device matches its reference, and the coverage matrix") {
  // A GPU check (LEUKO_TEST_GPU=1) without a usable GPU stops here, not at a "no GPU" column.
  testing::gpu_test_device();
  const std::vector<OpRow> rows = all_rows();
  std::vector<std::vector<std::string>> cells;
  size_t name_width = 2;
  for (const OpRow& row : rows) {
    Generator g(16);
    const std::vector<Problem> problems = row.problems(g);
    std::vector<std::string> line;
    for (const Column column : kColumns) line.push_back(run_cell(row, problems, column));
    cells.push_back(line);
    name_width = std::max(name_width, row.name.size());
  }
  std::printf("\n%-*s", static_cast<int>(name_width + 2), "op");
  for (const Column column : kColumns) std::printf("%-12s", column_name(column));
  std::printf("\n");
  for (size_t r = 0; r < rows.size(); ++r) {
    std::printf("%-*s", static_cast<int>(name_width + 2), rows[r].name.c_str());
    for (const std::string& cell : cells[r]) std::printf("%-12s", cell.c_str());
    std::printf("\n");
  }
  std::printf(
      "\npass N: all N problems within bounds (FAIL F/N: F of them not); truth: the reference "
      "itself, with no backward to check by differences; n/i: no kernel for that device; "
      "no GPU: none usable here\n");
}
