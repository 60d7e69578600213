// Outputs of a frozen sub-network, computed once per distinct input and reused.
//
// A frozen part whose input does not change between epochs (no augmentation upstream) gives
// the same output every epoch; recomputing it is most of the cost of a model like Study A's
// combined classifier (a 512 px autoencoder encoder per image). This cache keys each image of
// a batch by its bytes (a 128-bit hash); a batch with an image it has not seen is computed
// whole (as the uncached run computes it) and the new outputs stored, and a batch it has all
// of is read back. The result is the one the function gives, bit for bit, as long as the
// function treats the images of a batch independently: no batch statistics (no BatchNorm in
// training mode), and the same bits for an image whatever other images share its batch
// (tests/nn/frozen_output_cache_test.cpp checks this for the pRCC encoder in batches of 2 and
// 3; a batch of ONE image takes another conv path whose last bits may differ, measured with
// OPENBLAS_CORETYPE=Haswell).
//
// The outputs live in an unlinked temporary file (the system deletes it when the process
// ends, however it ends), read back with pread: the page cache keeps what fits in memory.
// Storing stops at the byte budget, or when the file system would keep less than 1 GiB free;
// from then on the images not stored are recomputed every time (slower, same results).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <unordered_map>

#include "engine/tensor.h"

namespace leuko::nn {

struct FrozenOutputCacheOptions {
  int64_t budget_bytes = 0;          // at most this much stored (0: nothing: always recompute)
  std::filesystem::path directory;   // for the file (empty: the system's temporary directory)
  std::string name = "frozen part";  // for the messages
};

class FrozenOutputCache {
 public:
  // `compute`: [N, ...] inputs -> [N, ...] outputs, the same shape of output for every input.
  FrozenOutputCache(std::function<Tensor(const Tensor&)> compute, FrozenOutputCacheOptions options);
  ~FrozenOutputCache();
  FrozenOutputCache(const FrozenOutputCache&) = delete;
  FrozenOutputCache& operator=(const FrozenOutputCache&) = delete;

  // compute(inputs), from the cache where it can; on the inputs' device, without history.
  Tensor operator()(const Tensor& inputs);

  int64_t hits() const { return hits_; }
  int64_t misses() const { return misses_; }
  int64_t stored() const { return static_cast<int64_t>(slots_.size()); }
  int64_t stored_bytes() const { return stored() * record_bytes_; }

 private:
  struct Key {
    uint64_t a, b;
    bool operator==(const Key& other) const { return a == other.a && b == other.b; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return static_cast<size_t>(k.a ^ (k.b * 0x9E3779B97F4A7C15ULL));
    }
  };
  static Key key_of(const float* values, int64_t count);
  bool can_store();  // within the budget and the disk's free space (opens the file at first)

  std::function<Tensor(const Tensor&)> compute_;
  FrozenOutputCacheOptions options_;
  std::unordered_map<Key, int64_t, KeyHash> slots_;  // key -> record number in the file
  Shape output_shape_;  // of one image's output (known after the first computation)
  int64_t record_bytes_ = 0;
  int fd_ = -1;
  bool full_ = false;  // storing has stopped (budget or disk); said once
  int64_t hits_ = 0, misses_ = 0;
};

}  // namespace leuko::nn
