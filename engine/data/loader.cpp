#include "engine/data/loader.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>
#include <unordered_map>

#include "engine/data/subsets.h"
#include "engine/error.h"

namespace leuko::data {

namespace {

// splitmix64: spreads (seed, epoch, index) over the whole 64-bit range, so neighbouring
// samples and epochs get unrelated generators.
uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a + 0x9E3779B97F4A7C15ULL * (b + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The batch's image memory: page-locked when the batches go to a GPU, so their copies to
// the device can run asynchronously (allocate_pinned falls back to ordinary memory when no
// real GPU is in use).
Tensor allocate_batch_images(const Shape& shape, bool pinned) {
  return pinned ? empty_pinned(shape) : empty(shape);
}

}  // namespace

Loader::Loader(Dataset dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  LEUKO_CHECK(dataset_.size() > 0, "loader: the dataset is empty (expected at least one sample)");
  LEUKO_CHECK(options_.batch_size > 0, "loader: batch_size must be positive, got ",
              options_.batch_size);
  LEUKO_CHECK(options_.ranks > 0 && options_.rank >= 0 && options_.rank < options_.ranks,
              "loader: rank ", options_.rank, " of ", options_.ranks, " ranks");
  LEUKO_CHECK(options_.ranks == 1 || !options_.skip_bad_images,
              "loader: skipping bad images is not supported with several ranks (a rank whose ",
              "images were all skipped would leave the others waiting)");
  LEUKO_CHECK(options_.workers >= 0, "loader: workers must be >= 0, got ", options_.workers);
  LEUKO_CHECK(options_.prefetch_batches > 0, "loader: prefetch_batches must be positive, got ",
              options_.prefetch_batches);
  LEUKO_CHECK((options_.height > 0) == (options_.width > 0),
              "loader: resize needs both height and ", "width (or neither), got ", options_.height,
              "x", options_.width);
  LEUKO_CHECK((options_.crop_height > 0) == (options_.crop_width > 0), "loader: crop needs both ",
              "height and width (or neither), got ", options_.crop_height, "x",
              options_.crop_width);
  LEUKO_CHECK(!options_.random_crop || options_.crop_height > 0,
              "loader: random_crop needs a crop size (crop_height and crop_width)");
  if (options_.mask_targets)
    for (const Sample& s : dataset_.samples)
      LEUKO_CHECK(!s.mask.empty(), "loader: mask targets were asked for, but ", s.image.string(),
                  " has no mask (expected every sample to have one)");
  // Copies of one image (masked copies aside) share a cache slot: the four-copy recipe
  // decodes each file once, not four times.
  std::unordered_map<std::string, int64_t> slot_of;
  for (const Sample& s : dataset_.samples) {
    const std::string key = s.image.string() + (s.masked ? "\n+mask" : "");
    source_of_.push_back(slot_of.emplace(key, static_cast<int64_t>(slot_of.size())).first->second);
  }
  cache_.resize(slot_of.size());
  // Distinct images per class, to tell when skipping bad ones has emptied a class.
  std::set<int64_t> counted;
  for (size_t i = 0; i < dataset_.samples.size(); ++i) {
    if (dataset_.samples[i].label < 0) continue;  // unlabelled (an autoencoder's images): no class
    const auto label = static_cast<size_t>(dataset_.samples[i].label);
    if (label >= sources_per_label_.size()) sources_per_label_.resize(label + 1, 0);
    if (counted.insert(source_of_[i]).second) ++sources_per_label_[label];
  }
  bad_per_label_.assign(sources_per_label_.size(), 0);
  if (options_.cache) check_cache_fits();
}

Loader::~Loader() { stop_workers(); }

void Loader::check_cache_fits() {
  // The cache holds images after the centre crop, or before a random one.
  const bool cropped = options_.crop_height > 0 && !options_.random_crop;
  int height = cropped ? options_.crop_height : options_.height;
  int width = cropped ? options_.crop_width : options_.width;
  if (height == 0) {  // no resize: images are used at their own size; the first one tells
    const ImageSize size = read_image_size(dataset_.samples.front().image);
    height = size.height;
    width = size.width;
  }
  const int channels = options_.mask_targets ? 4 : 3;  // RGB, and a grey mask
  const int64_t needed = static_cast<int64_t>(cache_.size()) * height * width * channels;
  const int64_t limit = options_.cache_limit_mb * (int64_t{1} << 20);
  LEUKO_CHECK(needed <= limit, "loader: the image cache does not fit: ", cache_.size(),
              " images of ", height, "x", width, " need ", (needed + (1 << 20) - 1) >> 20,
              " MiB but cache_limit_mb is ", options_.cache_limit_mb,
              " (raise cache_limit_mb, use a smaller size, or set cache = false)");
}

int64_t Loader::batches_per_epoch() const {
  const int64_t n = dataset_.size(), global = options_.batch_size * options_.ranks;
  const bool last_partial = !options_.drop_last && n % global >= options_.ranks;
  return n / global + (last_partial ? 1 : 0);
}

int64_t Loader::skipped_images() const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  return static_cast<int64_t>(bad_sources_.size());
}

int64_t Loader::cached_images() const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  return std::count_if(cache_.begin(), cache_.end(), [](const auto& p) { return p != nullptr; });
}

int64_t Loader::cached_bytes() const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  return cached_bytes_;
}

std::shared_ptr<const Loader::Prepared> Loader::prepared(int64_t index) {
  const int64_t slot = source_of_[index];
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_[slot]) return cache_[slot];
  }
  // Decoding runs outside the lock, so workers decode in parallel. Two workers may
  // rarely decode the same file at once; both get the same pixels, one copy is kept.
  const Sample& sample = dataset_.samples[index];
  Prepared p;
  p.image = load_sample(sample);
  if (options_.mask_targets) {
    p.mask = read_mask(sample.mask);
    LEUKO_CHECK(p.mask.height == p.image.height && p.mask.width == p.image.width,
                "loader: the mask ", sample.mask.string(), " is ", p.mask.width, "x", p.mask.height,
                " pixels but its image ", sample.image.string(), " is ", p.image.width, "x",
                p.image.height, " pixels (expected the same size)");
  }
  if (options_.height > 0) {
    p.image = resize(p.image, options_.height, options_.width);
    // Nearest neighbour: a mask keeps its values (a bilinear one would blur the cell's edge).
    if (options_.mask_targets) p.mask = resize_nearest(p.mask, options_.height, options_.width);
  }
  if (options_.crop_height > 0 && !options_.random_crop) {
    const CropWindow window =
        center_window(p.image.height, p.image.width, options_.crop_height, options_.crop_width);
    p.image = crop(p.image, window);
    if (options_.mask_targets) p.mask = crop(p.mask, window);
  }
  auto shared = std::make_shared<const Prepared>(std::move(p));
  if (options_.cache) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (!cache_[slot]) {
      cache_[slot] = shared;
      cached_bytes_ += static_cast<int64_t>(shared->bytes());
    }
  }
  return shared;
}

Loader::Prepared Loader::randomized(const Prepared& prepared, int64_t index) const {
  const Augment augment = dataset_.samples[index].augment;
  Generator generator(
      mix(mix(options_.seed, static_cast<uint64_t>(epoch_)), static_cast<uint64_t>(index)));
  Prepared out = prepared;  // the cached pixels stay as they are
  if (options_.random_crop) {
    const CropWindow window = random_window(out.image.height, out.image.width, options_.crop_height,
                                            options_.crop_width, generator);
    out.image = crop(out.image, window);
    if (options_.mask_targets) out.mask = crop(out.mask, window);
  }
  if (augment != Augment::none) {
    // The mask replays the image's draws from a copy of the generator: the same flips and
    // the same angle (rotation is nearest neighbour with zero fill: background for a mask).
    Generator replay = generator;
    out.image = augment_image(out.image, augment, options_.rotation_degrees, generator);
    if (options_.mask_targets)
      out.mask = augment_image(out.mask, augment, options_.rotation_degrees, replay);
  }
  return out;
}

std::optional<Batch> Loader::build_batch(int64_t batch_index) {
  // This rank's slice of the global batch (the whole batch with one rank).
  const int64_t global_begin = batch_index * options_.batch_size * options_.ranks;
  const int64_t global_size =
      std::min<int64_t>(options_.batch_size * options_.ranks, dataset_.size() - global_begin);
  const int64_t base = global_size / options_.ranks, extra = global_size % options_.ranks;
  const int64_t begin =
      global_begin + options_.rank * base + std::min<int64_t>(options_.rank, extra);
  const int64_t end = begin + base + (options_.rank < extra ? 1 : 0);
  std::vector<std::shared_ptr<const Prepared>> samples;
  std::vector<int64_t> indices;
  for (int64_t k = begin; k < end; ++k) {
    const int64_t index = order_[k];
    const int64_t slot = source_of_[index];
    if (options_.skip_bad_images) {
      {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        if (bad_sources_.count(slot)) continue;  // known bad: not decoded again
      }
      try {
        samples.push_back(prepared(index));
      } catch (const Error& e) {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        if (bad_sources_.insert(slot).second) {
          std::cerr << "loader: skipping " << e.what() << "\n";
          const int64_t label = dataset_.samples[index].label;
          const int64_t total = label < 0 ? 0 : sources_per_label_[label];
          LEUKO_CHECK(label < 0 || ++bad_per_label_[label] < total,
                      "loader: every image of class '",
                      static_cast<size_t>(label) < dataset_.classes.size() ? dataset_.classes[label]
                                                                           : std::to_string(label),
                      "' is unreadable (", total, " of ", total,
                      " skipped, the last: ", dataset_.samples[index].image.string(),
                      "); a class cannot be left empty");
        }
        continue;
      }
    } else {
      samples.push_back(prepared(index));
    }
    if (options_.random_crop || dataset_.samples[index].augment != Augment::none)
      samples.back() = std::make_shared<const Prepared>(randomized(*samples.back(), index));
    indices.push_back(index);
  }
  if (samples.empty()) return std::nullopt;

  const int height = samples.front()->image.height, width = samples.front()->image.width;
  const int64_t n = static_cast<int64_t>(samples.size());
  Batch batch;
  batch.images = allocate_batch_images({n, 3, height, width}, options_.pin_memory);
  if (options_.mask_targets)
    batch.masks = allocate_batch_images({n, 3, height, width}, options_.pin_memory);
  std::vector<int64_t> labels;
  float* out = batch.images.data<float>();
  const size_t image_floats = static_cast<size_t>(3) * height * width;
  for (int64_t i = 0; i < n; ++i) {
    const Image& image = samples[i]->image;
    LEUKO_CHECK(image.height == height && image.width == width, "loader: image ",
                dataset_.samples[indices[i]].image.string(), " is ", image.width, "x", image.height,
                " but its batch needs ", width, "x", height,
                " (expected equal sizes: set a resize)");
    to_tensor_into(image, out + i * image_floats);
    if (options_.normalization)
      normalize_into(out + i * image_floats, height, width, *options_.normalization);
    if (options_.mask_targets)
      mask_to_target_into(samples[i]->mask, batch.masks.data<float>() + i * image_floats);
    labels.push_back(dataset_.samples[indices[i]].label);
  }
  batch.labels = from_vector_i64(labels, {n});
  batch.indices = std::move(indices);
  return batch;
}

void Loader::start_epoch(int64_t epoch) {
  stop_workers();
  epoch_ = epoch;
  if (options_.shuffle) {
    Generator generator(mix(options_.seed, static_cast<uint64_t>(epoch)));
    order_ = permutation(dataset_.size(), generator);
  } else {
    order_.resize(dataset_.size());
    for (int64_t i = 0; i < dataset_.size(); ++i) order_[i] = i;
  }
  batches_ = batches_per_epoch();
  next_to_build_ = 0;
  next_to_return_ = 0;
  ready_.clear();
  stopping_ = false;
  for (int w = 0; w < options_.workers; ++w) workers_.emplace_back([this] { worker_loop(); });
}

void Loader::worker_loop() {
  std::unique_lock<std::mutex> lock(queue_mutex_);
  while (true) {
    // Build ahead, but at most prefetch_batches beyond the one the caller waits for.
    queue_changed_.wait(lock, [this] {
      return stopping_ || next_to_build_ >= batches_ ||
             next_to_build_ < next_to_return_ + options_.prefetch_batches;
    });
    if (stopping_ || next_to_build_ >= batches_) return;
    const int64_t batch_index = next_to_build_++;
    lock.unlock();
    Slot slot;
    try {
      slot.batch = build_batch(batch_index);
    } catch (...) {
      slot.error = std::current_exception();
    }
    lock.lock();
    ready_[batch_index] = std::move(slot);
    queue_changed_.notify_all();
  }
}

void Loader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

std::optional<Batch> Loader::next() {
  if (epoch_ < 0) start_epoch(0);
  while (next_to_return_ < batches_) {
    const int64_t batch_index = next_to_return_;
    Slot slot;
    if (options_.workers == 0) {
      slot.batch = build_batch(batch_index);
      ++next_to_return_;
    } else {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queue_changed_.wait(lock, [&] { return ready_.count(batch_index) > 0; });
      slot = std::move(ready_[batch_index]);
      ready_.erase(batch_index);
      ++next_to_return_;
      queue_changed_.notify_all();
    }
    if (slot.error) {
      stop_workers();
      next_to_return_ = batches_;  // the epoch ends with the error
      std::rethrow_exception(slot.error);
    }
    if (slot.batch) return slot.batch;  // a batch of only skipped images is passed over
  }
  return std::nullopt;
}

ChannelStats compute_channel_stats(const Dataset& dataset, LoaderOptions options) {
  Dataset plain = dataset;
  for (Sample& s : plain.samples) s.augment = Augment::none;
  options.normalization.reset();
  options.random_crop = false;  // the statistics of the centre window (or the whole image)
  options.mask_targets = false;
  options.shuffle = false;
  options.drop_last = false;
  options.cache = false;  // one pass: keeping the pixels would only cost memory
  options.rank = 0;       // every image, on every rank
  options.ranks = 1;
  Loader loader(std::move(plain), options);
  double sum[3] = {0, 0, 0}, sum_sq[3] = {0, 0, 0};
  double count = 0;
  while (std::optional<Batch> batch = loader.next()) {
    const int64_t n = batch->images.size(0);
    const int64_t plane = batch->images.size(2) * batch->images.size(3);
    const float* p = batch->images.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      for (int c = 0; c < 3; ++c) {
        const float* v = p + (i * 3 + c) * plane;
        double s = 0, s2 = 0;
        for (int64_t j = 0; j < plane; ++j) {
          s += v[j];
          s2 += static_cast<double>(v[j]) * v[j];
        }
        sum[c] += s;
        sum_sq[c] += s2;
      }
    }
    count += static_cast<double>(n * plane);
  }
  ChannelStats stats;
  for (int c = 0; c < 3; ++c) {
    const double mean = sum[c] / count;
    stats.mean[c] = static_cast<float>(mean);
    stats.std[c] = static_cast<float>(std::sqrt(std::max(sum_sq[c] / count - mean * mean, 1e-12)));
  }
  return stats;
}

}  // namespace leuko::data
