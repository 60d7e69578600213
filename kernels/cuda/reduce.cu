// Sum over chosen dimensions of a contiguous tensor.
//
// The launcher first sorts the dimensions into "kept" and "reduced" and merges neighbours
// of the same kind (the input is contiguous, so two neighbouring reduced dims are one
// longer reduced dim): summing [N, C, H, W] over (0, 2, 3) becomes kept {C} and reduced
// {N, H*W}. An output element o and a position r among the reduced elements then address
// the input at kept_offset(o) + reduced_offset(r). Two kernels, by which kind the
// innermost (stride-1) dimension is:
// - reduced innermost (sum over a row, a spatial plane, everything): one block per output
//   element; its threads stride over r, so a warp reads 32 neighbouring floats, and the
//   block's partial sums are combined by a warp-shuffle block reduction (block_reduce.cuh).
//   The block is sized to the row (32 to 256 threads), so short rows do not idle a large
//   block.
// - kept innermost (sum over the batch, a bias gradient): a 32 x 8 block covers 32
//   neighbouring outputs (threadIdx.x, coalesced reads) and splits their reduced elements
//   8 ways (threadIdx.y); the 8 partial sums of each output are added in shared memory.
// Accumulation is in float, in tree order (a different order from the CPU's sequential
// double sum: results agree to float rounding, ~1e-6 relative for well-conditioned sums).
// Cost: reads 4 bytes per input element once, writes 4 per output; memory-bound.
#include <algorithm>

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/reduce.h"

namespace leuko::LEUKO_CUDA_NS {

namespace {

constexpr int kMaxDims = 8;

// A list of dimensions (sizes and input strides) and the row-major walk over them.
struct DimList {
  int64_t size[kMaxDims];
  int64_t stride[kMaxDims];
  int count;
  int64_t numel;

  __device__ int64_t offset_of(int64_t index) const {
    int64_t offset = 0;
    for (int d = count - 1; d >= 0; --d) {
      offset += (index % size[d]) * stride[d];
      index /= size[d];
    }
    return offset;
  }
};

struct ReduceGeometry {
  DimList kept, reduced;
  bool reduced_innermost;
};

void append(DimList& list, int64_t size, int64_t stride) {
  list.size[list.count] = size;
  list.stride[list.count] = stride;
  ++list.count;
  list.numel *= size;
}

ReduceGeometry reduce_geometry(const int64_t* shape, int ndim, const int64_t* out_strides) {
  ReduceGeometry g{};
  g.kept.numel = g.reduced.numel = 1;
  int64_t stride = 1;
  int previous_kind = -1;  // of the last dimension appended (walking from the innermost)
  // Walk from the innermost dim outwards, so merging sees each dim's outer neighbour; the
  // lists are built innermost-first and reversed at the end.
  for (int d = ndim - 1; d >= 0; --d) {
    if (shape[d] != 1) {
      const int kind = out_strides[d] == 0 ? 1 : 0;  // 1: reduced
      DimList& list = kind == 1 ? g.reduced : g.kept;
      if (kind == previous_kind) {  // the same run grows outwards: size grows, stride stays
        list.size[list.count - 1] *= shape[d];
        list.numel *= shape[d];
      } else {
        append(list, shape[d], stride);
      }
      if (previous_kind == -1) g.reduced_innermost = kind == 1;
      previous_kind = kind;
    }
    stride *= shape[d];
  }
  for (DimList* list : {&g.kept, &g.reduced}) {
    std::reverse(list->size, list->size + list->count);
    std::reverse(list->stride, list->stride + list->count);
  }
  if (previous_kind == -1) g.reduced_innermost = true;  // nothing but size-1 dims
  return g;
}

// One block per output element (grid-stride over outputs: the loop bound is the same for
// every thread of a block, so all of them reach the block reduction's barriers).
__global__ void sum_rows_kernel(const float* x, float* out, ReduceGeometry g) {
  for (int64_t o = blockIdx.x; o < g.kept.numel; o += gridDim.x) {
    const float* base = x + g.kept.offset_of(o);
    float partial = 0.0f;
    for (int64_t r = threadIdx.x; r < g.reduced.numel; r += blockDim.x)
      partial += base[g.reduced.offset_of(r)];
    const float total = block_sum(partial);
    if (threadIdx.x == 0) out[o] = total;
  }
}

constexpr unsigned kColumnsPerBlock = 32, kSplits = 8;

// 32 outputs per block (x), their reduced elements split 8 ways (y).
__global__ void sum_columns_kernel(const float* x, float* out, ReduceGeometry g) {
  __shared__ float partials[kSplits][kColumnsPerBlock + 1];  // +1: no bank conflicts
  const int64_t tiles = (g.kept.numel + kColumnsPerBlock - 1) / kColumnsPerBlock;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const int64_t o = tile * kColumnsPerBlock + threadIdx.x;
    float partial = 0.0f;
    if (o < g.kept.numel) {
      const float* base = x + g.kept.offset_of(o);
      for (int64_t r = threadIdx.y; r < g.reduced.numel; r += kSplits)
        partial += base[g.reduced.offset_of(r)];
    }
    partials[threadIdx.y][threadIdx.x] = partial;
    __syncthreads();
    if (threadIdx.y == 0 && o < g.kept.numel) {
      float total = 0.0f;
      for (unsigned s = 0; s < kSplits; ++s) total += partials[s][threadIdx.x];
      out[o] = total;
    }
    __syncthreads();  // partials are rewritten by the next tile
  }
}

}  // namespace

void sum_forward(const float* x, const int64_t* shape, int ndim, const int64_t* out_strides,
                 float* out, int64_t out_numel) {
  if (out_numel == 0) return;
  if (ndim > kMaxDims) throw std::runtime_error("sum_forward: at most 8 dimensions");
  const ReduceGeometry g = reduce_geometry(shape, ndim, out_strides);
  const unsigned max_blocks = 4096;
  if (g.reduced_innermost) {
    const int64_t warps = std::min<int64_t>((g.reduced.numel + 31) / 32, 8);
    const unsigned threads = static_cast<unsigned>(std::max<int64_t>(warps, 1) * 32);
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(out_numel, max_blocks));
    leuko_launch(sum_rows_kernel, dim3(blocks), dim3(threads), 0, current_stream(), x, out, g);
    check_launch("sum_rows_kernel");
  } else {
    const int64_t tiles = (out_numel + kColumnsPerBlock - 1) / kColumnsPerBlock;
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(tiles, max_blocks));
    leuko_launch(sum_columns_kernel, dim3(blocks), dim3(kColumnsPerBlock, kSplits), 0,
                 current_stream(), x, out, g);
    check_launch("sum_columns_kernel");
  }
}

}  // namespace leuko::LEUKO_CUDA_NS
