// Open MPI's communicator (engine/distributed/communicator.h), for CPU ranks.
//
// One thread of this process owns MPI: it calls MPI_Init_thread, every collective and
// MPI_Finalize (MPI_THREAD_SERIALIZED: never two calls at once). The training thread hands
// it collectives through a queue and goes on computing, so that a bucket of gradients is
// summed while backward produces the next (engine/distributed/gradient_reducer.h).
//
// The MPI thread starts each collective non-blocking (MPI_Iallreduce, MPI_Ibcast) and polls
// MPI_Test with short sleeps. Blocking calls would spin a core at 100 % while they wait (Open
// MPI's default), taking it from the training threads; polling also gives the timeout: a
// collective not done within collective_timeout() fails with an Error, and the communicator
// is broken from then on (every later collective fails at once, MPI_Finalize is skipped).
#include <mpi.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "engine/distributed/communicator.h"
#include "engine/error.h"

namespace leuko::distributed {

namespace {

// One collective in the queue, and what became of it.
struct Job {
  enum class Kind { all_reduce_sum, broadcast } kind;
  float* data;
  int count;
  int root;
  const char* name;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::string error;  // empty: it succeeded
};

class MpiPending final : public Pending {
 public:
  explicit MpiPending(std::shared_ptr<Job> job) : job_(std::move(job)) {}
  void wait() override {
    std::unique_lock<std::mutex> lock(job_->mutex);
    job_->finished.wait(lock, [&] { return job_->done; });
    if (!job_->error.empty()) throw Error(job_->error);
  }

 private:
  std::shared_ptr<Job> job_;
};

void check_buffer(const Tensor& buffer, const char* what) {
  LEUKO_CHECK(buffer.dtype() == DType::f32 && buffer.is_contiguous(), what,
              ": the MPI backend takes contiguous float32 tensors");
  LEUKO_CHECK(buffer.device() != Device::cuda, what,
              ": the MPI backend takes CPU tensors; GPU ranks need NCCL");
  LEUKO_CHECK(buffer.numel() <= INT32_MAX, what, ": ", buffer.numel(),
              " elements, more than one MPI call takes");
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() : timeout_(collective_timeout()) {
    thread_ = std::thread([this] { run(); });
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return started_; });
    if (!start_error_.empty()) {
      lock.unlock();
      thread_.join();
      throw Error(start_error_);
    }
  }

  ~MpiCommunicator() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  std::unique_ptr<Pending> all_reduce_sum(const Tensor& buffer) override {
    check_buffer(buffer, "all_reduce_sum");
    return std::make_unique<MpiPending>(
        enqueue(Job::Kind::all_reduce_sum, buffer, 0, "an all-reduce"));
  }

  void broadcast(const Tensor& buffer, int root) override {
    check_buffer(buffer, "broadcast");
    LEUKO_CHECK(root >= 0 && root < size_, "broadcast: root ", root, " of ", size_, " ranks");
    MpiPending(enqueue(Job::Kind::broadcast, buffer, root, "a broadcast")).wait();
  }

 private:
  std::shared_ptr<Job> enqueue(Job::Kind kind, const Tensor& buffer, int root, const char* name) {
    auto job = std::make_shared<Job>();
    job->kind = kind;
    job->data = buffer.data<float>();
    job->count = static_cast<int>(buffer.numel());
    job->root = root;
    job->name = name;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(job);
    }
    changed_.notify_all();
    return job;
  }

  // The MPI thread.
  void run() {
    int provided = 0;
    const int status = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (status != MPI_SUCCESS || provided < MPI_THREAD_SERIALIZED) {
        start_error_ = "MPI_Init_thread failed (or gave no MPI_THREAD_SERIALIZED support)";
      } else {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
      }
      started_ = true;
    }
    changed_.notify_all();
    if (!start_error_.empty()) return;

    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;  // stopping, and nothing left to do
        job = queue_.front();
        queue_.pop_front();
      }
      const std::string error = broken_ ? broken_message_ : execute(*job);
      {
        std::lock_guard<std::mutex> lock(job->mutex);
        job->error = error;
        job->done = true;
      }
      job->finished.notify_all();
    }
    // A broken communicator leaves a request pending: MPI_Finalize could wait for ever.
    if (!broken_) MPI_Finalize();
  }

  std::string execute(const Job& job) {
    MPI_Request request;
    const int started =
        job.kind == Job::Kind::all_reduce_sum
            ? MPI_Iallreduce(MPI_IN_PLACE, job.data, job.count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                             &request)
            : MPI_Ibcast(job.data, job.count, MPI_FLOAT, job.root, MPI_COMM_WORLD, &request);
    if (started != MPI_SUCCESS) return fail(cat(job.name, " failed to start"));
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (int polls = 0;; ++polls) {
      int done = 0;
      if (MPI_Test(&request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return fail(cat(job.name, " failed"));
      if (done) return "";
      if (std::chrono::steady_clock::now() > deadline)
        return fail(cat(job.name, " of ", job.count, " floats waited ", timeout_.count(),
                        " s for the other ranks (one has stopped or is stuck; "
                        "LEUKO_COLLECTIVE_TIMEOUT sets the limit)"));
      // The first polls spin (a short collective ends within microseconds), then sleep.
      if (polls > 100) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  std::string fail(const std::string& what) {
    broken_ = true;
    broken_message_ = cat("rank ", rank_, " of ", size_, ": ", what, "; this rank stops");
    return broken_message_;
  }

  const std::chrono::seconds timeout_;
  int rank_ = 0, size_ = 1;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool started_ = false, stopping_ = false;
  std::string start_error_;
  bool broken_ = false;  // touched by the MPI thread only
  std::string broken_message_;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi() { return std::make_unique<MpiCommunicator>(); }

}  // namespace leuko::distributed
