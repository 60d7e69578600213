#include "engine/nn/frozen_output_cache.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"

namespace leuko::nn {

namespace {

constexpr int64_t kKeepFree = int64_t{1} << 30;  // never fill the disk beyond 1 GiB of the end

std::string gigabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
  return text;
}

}  // namespace

FrozenOutputCache::FrozenOutputCache(std::function<Tensor(const Tensor&)> compute,
                                     FrozenOutputCacheOptions options)
    : compute_(std::move(compute)), options_(std::move(options)) {}

FrozenOutputCache::~FrozenOutputCache() {
  if (fd_ >= 0) ::close(fd_);
  if (hits_ > 0)
    std::printf("%s: %lld outputs computed once and reused %lld times (%s cached)\n",
                options_.name.c_str(), static_cast<long long>(stored()),
                static_cast<long long>(hits_), gigabytes(stored_bytes()).c_str());
}

// Two 64-bit multiply-rotate hashes over the float bits, with different constants: a
// collision between two of some 10^4 images has a probability near 10^-30.
FrozenOutputCache::Key FrozenOutputCache::key_of(const float* values, int64_t count) {
  uint64_t a = 0x243F6A8885A308D3ULL ^ static_cast<uint64_t>(count), b = 0x13198A2E03707344ULL;
  for (int64_t i = 0; i < count; ++i) {
    uint32_t bits;
    std::memcpy(&bits, values + i, sizeof bits);
    a = (a ^ bits) * 0x9E3779B97F4A7C15ULL;
    a ^= a >> 29;
    b = (b + bits) * 0xC2B2AE3D27D4EB4FULL;
    b ^= b >> 31;
  }
  return {a, b};
}

bool FrozenOutputCache::can_store() {
  if (full_) return false;
  std::string reason;
  if (stored_bytes() + record_bytes_ > options_.budget_bytes) {
    reason = cat("its budget of ", gigabytes(options_.budget_bytes), " is used");
  } else {
    const std::filesystem::path dir =
        options_.directory.empty() ? std::filesystem::temp_directory_path() : options_.directory;
    if (fd_ < 0) {
      std::string pattern = (dir / "leuko-frozen-XXXXXX").string();
      fd_ = ::mkstemp(pattern.data());
      LEUKO_CHECK(fd_ >= 0, options_.name, " cache: cannot create a file in ", dir.string(), ": ",
                  std::strerror(errno));
      ::unlink(pattern.c_str());  // deleted by the system when the process ends
    }
    struct statvfs disk {};
    if (::statvfs(dir.c_str(), &disk) == 0 &&
        static_cast<int64_t>(disk.f_bavail) * static_cast<int64_t>(disk.f_frsize) <
            record_bytes_ + kKeepFree)
      reason = cat("the disk under ", dir.string(), " has less than 1 GiB left");
  }
  if (reason.empty()) return true;
  full_ = true;
  std::printf(
      "%s cache: stopped storing at %lld outputs (%s): %s; the others are recomputed each time\n",
      options_.name.c_str(), static_cast<long long>(stored()), gigabytes(stored_bytes()).c_str(),
      reason.c_str());
  return false;
}

Tensor FrozenOutputCache::operator()(const Tensor& inputs) {
  NoGradGuard no_grad;
  const Tensor host = inputs.to(Device::cpu).contiguous();
  const int64_t n = host.size(0), per_input = host.numel() / n;
  std::vector<Key> keys(n);
  std::vector<int64_t> missing;
  for (int64_t i = 0; i < n; ++i) {
    keys[i] = key_of(host.data<float>() + i * per_input, per_input);
    if (!slots_.contains(keys[i])) missing.push_back(i);
  }

  // Any input missing: the whole batch is computed and returned, exactly as without the
  // cache, and its new outputs are stored. (Not just the missing ones as a smaller batch:
  // the outputs of a batch of one image may differ in the last bits from the same image's in
  // a larger batch, as leuko's conv splits a lone image over the threads.)
  if (!missing.empty()) {
    const Tensor computed = compute_(inputs).contiguous();
    const Tensor on_host = computed.to(Device::cpu).contiguous();
    if (record_bytes_ == 0) {
      output_shape_ = Shape(on_host.shape().begin() + 1, on_host.shape().end());
      record_bytes_ = shape_numel(output_shape_) * static_cast<int64_t>(sizeof(float));
    }
    LEUKO_CHECK(Shape(on_host.shape().begin() + 1, on_host.shape().end()) == output_shape_,
                options_.name, " cache: outputs of shape ", to_string(on_host.shape()), " after ",
                to_string(output_shape_));
    const char* bytes = reinterpret_cast<const char*>(on_host.data<float>());
    for (int64_t i : missing) {
      ++misses_;
      if (slots_.contains(keys[i]) || !can_store())
        continue;  // a duplicate in the batch is stored once
      const int64_t slot = stored();
      if (::pwrite(fd_, bytes + i * record_bytes_, record_bytes_, slot * record_bytes_) ==
          record_bytes_) {
        slots_[keys[i]] = slot;
      } else {
        full_ = true;  // e.g. the disk filled up under us: recompute from now on
        std::printf("%s cache: writing failed (%s); the others are recomputed each time\n",
                    options_.name.c_str(), std::strerror(errno));
      }
    }
    return computed;
  }

  // Every output is stored: read them back.
  Shape out_shape{n};
  out_shape.insert(out_shape.end(), output_shape_.begin(), output_shape_.end());
  Tensor out = empty(out_shape);
  char* out_bytes = reinterpret_cast<char*>(out.data<float>());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t slot = slots_.at(keys[i]);
    LEUKO_CHECK(::pread(fd_, out_bytes + i * record_bytes_, record_bytes_, slot * record_bytes_) ==
                    record_bytes_,
                options_.name, " cache: reading back output ", slot,
                " failed: ", std::strerror(errno));
    ++hits_;
  }
  return out.to(inputs.device());
}

}  // namespace leuko::nn
