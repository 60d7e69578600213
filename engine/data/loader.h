// The loader: turns a Dataset into batches {images [N, 3, H, W] float32, labels [N] int64}
// (and, when asked, the samples' masks as segmentation targets [N, 3, H, W] in {0, 1}).
//
//   Loader loader(dataset, {.batch_size = 16, .height = 256, .width = 256});
//   for (int64_t epoch = 0; epoch < epochs; ++epoch) {
//     loader.start_epoch(epoch);
//     while (std::optional<Batch> batch = loader.next()) train_step(batch->images, batch->labels);
//   }
//
// Each sample goes: decode (+ mask) -> resize -> centre crop -> [cache] -> random crop ->
// its random Augment -> to_tensor -> normalise. Worker threads build the next batches while
// the caller trains on the current one (a bounded prefetch queue). The result depends only
// on the seed and the epoch, never on the number of workers: the epoch's order comes from a
// generator seeded by (seed, epoch), and each sample's random crop and augmentation from one
// seeded by (seed, epoch, sample index). Decoded, resized images are cached in memory, so
// epochs after the first do not decode again.
//
// Mask targets go through the same geometry as their image (nearest-neighbour resize, the
// same crop window, the same flips and rotation), so pixel (y, x) of the target says whether
// pixel (y, x) of the input is cell; they are never normalised.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "engine/data/image_folder.h"
#include "engine/data/transforms.h"

namespace leuko::data {

struct LoaderOptions {
  int64_t batch_size = 32;
  int height = 0, width = 0;            // resize to this size (0: keep the decoded size)
  int crop_height = 0, crop_width = 0;  // then crop (0: no crop)
  bool random_crop = false;  // the crop window drawn at random per sample and epoch, else centred
  double rotation_degrees = 15.0;  // amplitude of Augment::rotation / rotation_flips
  bool shuffle = true;             // a new order every epoch
  bool drop_last = false;          // drop a last, smaller batch
  uint64_t seed = 0;
  int workers = 2;           // threads building batches; 0 builds them in the caller's thread
  int prefetch_batches = 4;  // batches built ahead of the one being consumed
  bool cache = true;         // keep decoded, resized images in memory
  int64_t cache_limit_mb = 4096;
  std::optional<ChannelStats> normalization;  // none: values stay in [0, 1]
  // false: a corrupt image stops the run with its error. true: it is left out and counted,
  // but a class whose every image is bad stops the run (it would train on nothing).
  bool skip_bad_images = false;
  bool pin_memory = false;    // batches in page-locked memory (set when they go to a GPU)
  bool mask_targets = false;  // each batch also carries its samples' masks (every sample needs one)
  // Data-parallel training: `ranks` processes share each global batch of batch_size * ranks
  // consecutive samples of the epoch's order, rank r taking the r-th of `ranks` nearly equal
  // slices (sizes differ by one at most), so that together they see what one process with
  // the whole batch sees. A last global batch smaller than `ranks` is dropped (a rank would
  // get nothing).
  int rank = 0;
  int ranks = 1;
};

struct Batch {
  Tensor images;                 // [N, 3, H, W] float32
  Tensor labels;                 // [N] int64
  Tensor masks;                  // [N, 3, H, W] float32 in {0, 1} (only with mask_targets)
  std::vector<int64_t> indices;  // the dataset indices of the N samples
};

class Loader {
 public:
  Loader(Dataset dataset, LoaderOptions options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  const Dataset& dataset() const { return dataset_; }
  const LoaderOptions& options() const { return options_; }
  int64_t batches_per_epoch() const;

  // Begins epoch `epoch` (abandoning any unfinished one). next() before any start_epoch
  // begins epoch 0.
  void start_epoch(int64_t epoch);
  // The next batch of the epoch, or nothing when the epoch is over. Rethrows a worker's
  // error (e.g. a corrupt image) here, in the caller's thread.
  std::optional<Batch> next();

  // Images that failed to decode and were left out (only with skip_bad_images).
  int64_t skipped_images() const;
  // Decoded images held in the cache, and their bytes.
  int64_t cached_images() const;
  int64_t cached_bytes() const;

 private:
  struct Slot {  // one built batch, or the error that stopped it
    std::optional<Batch> batch;
    std::exception_ptr error;
  };
  struct Prepared {  // a sample decoded, resized and centre cropped: what the cache holds
    Image image;
    Image mask;  // empty without mask_targets
    size_t bytes() const { return image.bytes() + mask.bytes(); }
  };

  std::shared_ptr<const Prepared> prepared(int64_t index);
  // The sample's random crop and augmentation, the same for its image and its mask.
  Prepared randomized(const Prepared& prepared, int64_t index) const;
  std::optional<Batch> build_batch(int64_t batch_index);
  void worker_loop();
  void stop_workers();
  void check_cache_fits();

  Dataset dataset_;
  LoaderOptions options_;
  std::vector<int64_t> source_of_;  // sample -> cache slot (copies of one image share one)
  std::vector<std::shared_ptr<const Prepared>> cache_;
  int64_t cached_bytes_ = 0;
  std::set<int64_t> bad_sources_;
  std::vector<int64_t> sources_per_label_, bad_per_label_;  // distinct images of each class
  mutable std::mutex cache_mutex_;

  int64_t epoch_ = -1;
  std::vector<int64_t> order_;
  int64_t batches_ = 0;
  int64_t next_to_build_ = 0;   // next batch a worker claims
  int64_t next_to_return_ = 0;  // next batch next() hands out
  std::map<int64_t, Slot> ready_;
  bool stopping_ = false;
  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::vector<std::thread> workers_;
};

// Per-channel mean and standard deviation of the dataset's images as the loader prepares
// them (resize and crop from `options`; no augmentation, no normalisation), in one pass.
ChannelStats compute_channel_stats(const Dataset& dataset, LoaderOptions options);

}  // namespace leuko::data
