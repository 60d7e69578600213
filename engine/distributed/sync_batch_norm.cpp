#include "engine/distributed/sync_batch_norm.h"

#include <cmath>
#include <vector>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/nn/batch_norm.h"
#include "engine/ops/batch_norm_checks.h"

namespace leuko::distributed {

namespace {

// The layout of a contiguous [N, C, S] view of x (S = H*W, or 1 for [N, C]).
struct Layout {
  int64_t N, C, S;
  const float* at(const float* base, int64_t n, int64_t c) const { return base + (n * C + c) * S; }
  float* at(float* base, int64_t n, int64_t c) const { return base + (n * C + c) * S; }
};

// Per channel c: the sum over n of per_row(n, c), a double (each row: the S values of image n).
template <typename PerRow>
std::vector<double> channel_sums(const Layout& l, PerRow per_row) {
  std::vector<double> sums(l.C, 0.0);
  for (int64_t n = 0; n < l.N; ++n)
    for (int64_t c = 0; c < l.C; ++c) sums[c] += per_row(n, c);
  return sums;
}

// Sums `values` (one per channel, or several vectors of them side by side) over the ranks.
std::vector<double> sum_over_ranks(Communicator& communicator, const std::vector<double>& values) {
  Tensor buffer = empty({static_cast<int64_t>(values.size())});
  float* data = buffer.data<float>();
  for (size_t i = 0; i < values.size(); ++i) data[i] = static_cast<float>(values[i]);
  communicator.all_reduce_sum_now(buffer);
  return std::vector<double>(data, data + values.size());
}

}  // namespace

Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, float momentum,
                       float eps, Communicator& communicator) {
  // training = false: one rank may hold a single value per channel; M is checked below.
  check_batch_norm_arguments("sync_batch_norm", x, weight, bias, running_mean, running_var,
                             /*training=*/false);
  LEUKO_CHECK(x.device() == Device::cpu, "sync_batch_norm: CPU tensors only (the ",
              communicator.backend(), " communicator's), got one on ", to_string(x.device()));
  const Layout l{x.size(0), x.size(1), x.dim() == 4 ? x.size(2) * x.size(3) : 1};
  const Tensor input = x.contiguous().detach();
  const float* xs = input.data<float>();

  // The global count and mean, then the global variance about that mean.
  std::vector<double> first = channel_sums(l, [&](int64_t n, int64_t c) {
    double s = 0;
    for (int64_t i = 0; i < l.S; ++i) s += l.at(xs, n, c)[i];
    return s;
  });
  first.push_back(static_cast<double>(l.N * l.S));
  first = sum_over_ranks(communicator, first);
  const double M = first.back();
  LEUKO_CHECK(M > 1, "sync_batch_norm: expected more than 1 value per channel over all ranks, got ",
              M, " (input ", to_string(x.shape()), " on this rank)");
  std::vector<double> mean(first.begin(), first.end() - 1);
  for (double& m : mean) m /= M;
  std::vector<double> variance =
      sum_over_ranks(communicator, channel_sums(l, [&](int64_t n, int64_t c) {
                       double s = 0;
                       for (int64_t i = 0; i < l.S; ++i)
                         s += (l.at(xs, n, c)[i] - mean[c]) * (l.at(xs, n, c)[i] - mean[c]);
                       return s;
                     }));
  for (double& v : variance) v /= M;

  // Normalize; keep x^ and 1/sqrt(var + eps) for the backward.
  const Tensor w = weight.defined() ? weight.contiguous().detach() : Tensor();
  const Tensor b = bias.defined() ? bias.contiguous().detach() : Tensor();
  Tensor out = empty(x.shape());
  Tensor normalized = empty(x.shape());
  std::vector<float> inv_std(l.C);
  for (int64_t c = 0; c < l.C; ++c)
    inv_std[c] = static_cast<float>(1.0 / std::sqrt(variance[c] + eps));
  for (int64_t n = 0; n < l.N; ++n)
    for (int64_t c = 0; c < l.C; ++c) {
      const float scale = w.defined() ? w.data<float>()[c] : 1.0f;
      const float shift = b.defined() ? b.data<float>()[c] : 0.0f;
      const float* v = l.at(xs, n, c);
      float* xhat = l.at(normalized.data<float>(), n, c);
      float* y = l.at(out.data<float>(), n, c);
      for (int64_t s = 0; s < l.S; ++s) {
        xhat[s] = static_cast<float>((v[s] - mean[c]) * inv_std[c]);
        y[s] = xhat[s] * scale + shift;
      }
    }
  if (running_mean.defined()) {  // as batch_norm: the unbiased variance moves running_var
    float* rm = running_mean.data<float>();
    float* rv = running_var.data<float>();
    for (int64_t c = 0; c < l.C; ++c) {
      rm[c] = static_cast<float>((1 - momentum) * rm[c] + momentum * mean[c]);
      rv[c] = static_cast<float>((1 - momentum) * rv[c] + momentum * variance[c] * M / (M - 1));
    }
  }

  const bool want_x = x.requires_grad();
  const bool want_weight = weight.defined() && weight.requires_grad();
  const bool want_bias = bias.defined() && bias.requires_grad();
  Communicator* ranks = &communicator;
  auto backward = [=](const Tensor& grad_out) -> std::vector<Tensor> {
    const Tensor g = grad_out.contiguous();
    const float* dy = g.data<float>();
    const float* xhat = normalized.data<float>();
    // This rank's sum(dy) and sum(dy x^) per channel, side by side: [C sums | C sums].
    std::vector<double> local = channel_sums(l, [&](int64_t n, int64_t c) {
      double s = 0;
      for (int64_t i = 0; i < l.S; ++i) s += l.at(dy, n, c)[i];
      return s;
    });
    const std::vector<double> dot = channel_sums(l, [&](int64_t n, int64_t c) {
      double s = 0;
      for (int64_t i = 0; i < l.S; ++i) s += l.at(dy, n, c)[i] * l.at(xhat, n, c)[i];
      return s;
    });
    local.insert(local.end(), dot.begin(), dot.end());
    // Every rank joins the collective, whichever gradients it wants.
    const std::vector<double> global = sum_over_ranks(*ranks, local);

    Tensor grad_x, grad_weight, grad_bias;
    if (want_x) {
      grad_x = empty(input.shape());
      for (int64_t n = 0; n < l.N; ++n)
        for (int64_t c = 0; c < l.C; ++c) {
          const double scale = (w.defined() ? w.data<float>()[c] : 1.0f) * inv_std[c];
          const double mean_dy = global[c] / M, mean_dy_xhat = global[l.C + c] / M;
          float* dx = l.at(grad_x.data<float>(), n, c);
          for (int64_t i = 0; i < l.S; ++i)
            dx[i] = static_cast<float>(
                scale * (l.at(dy, n, c)[i] - mean_dy - l.at(xhat, n, c)[i] * mean_dy_xhat));
        }
    }
    if (want_weight) {
      grad_weight = empty({l.C});
      for (int64_t c = 0; c < l.C; ++c) grad_weight.data<float>()[c] = static_cast<float>(dot[c]);
    }
    if (want_bias) {
      grad_bias = empty({l.C});
      for (int64_t c = 0; c < l.C; ++c) grad_bias.data<float>()[c] = static_cast<float>(local[c]);
    }
    return {grad_x, grad_weight, grad_bias};
  };
  return record(out, "sync_batch_norm", {x, weight, bias}, backward);
}

int synchronise_batch_norm(nn::Module& model, Communicator& communicator) {
  int count = 0;
  if (auto* bn = dynamic_cast<nn::BatchNorm*>(&model)) {
    bn->synchronise_over(&communicator);
    ++count;
  }
  for (const auto& [name, child] : model.named_children())
    count += synchronise_batch_norm(*child, communicator);
  return count;
}

}  // namespace leuko::distributed
