// Synchronised batch norm: training-mode batch norm whose mean and variance are those of the
// global batch (every rank's images together), as torch.nn.SyncBatchNorm computes them.
//
// By default each rank normalizes with its own images' statistics (as PyTorch's DDP does):
// cheap, but N ranks of batch B then train another model than one process of batch N*B.
// Synchronised, they train the same one, at the price of four small all-reduces per
// batch-norm layer and step (C or 2C floats each):
//
//   forward   mean = sum_r sum(x_r) / M               (M = all ranks' values per channel)
//             var  = sum_r sum((x_r - mean)^2) / M    (two passes, as the CPU kernel does)
//             y_r  = (x_r - mean) / sqrt(var + eps) * weight + bias
//   backward  with x^ = (x - mean) / sqrt(var + eps):
//             dx_r = weight / sqrt(var + eps) * (dy_r - sum_r sum(dy_r) / M
//                                                  - x^_r * sum_r sum(dy_r x^_r) / M)
//             dweight_r = sum(dy_r x^_r), dbias_r = sum(dy_r): this rank's part only; the
//             gradient all-reduce (GradientReducer) adds the ranks' parts like any other.
//
// The statistics are summed in double on each rank and sent as float32. CPU tensors only
// (the MPI communicator's).
#pragma once

#include "engine/distributed/communicator.h"
#include "engine/tensor.h"

namespace leuko::nn {
class Module;
}

namespace leuko::distributed {

// x [N, C] or [N, C, H, W]; weight, bias [C] or undefined; the running buffers [C] move as in
// batch_norm (unbiased variance, over all ranks' M values). Every rank must call it for the
// same layers in the same order (it runs collectives), with the same C.
Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, float momentum,
                       float eps, Communicator& communicator);

// Makes every batch norm of `model` (nn::BatchNorm, also inside nn::ConvBnRelu) normalize
// with sync_batch_norm over `communicator` while training; returns how many there are.
int synchronise_batch_norm(nn::Module& model, Communicator& communicator);

}  // namespace leuko::distributed
