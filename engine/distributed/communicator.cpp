#include "engine/distributed/communicator.h"

#include <cstdlib>
#include <mutex>

#include "engine/error.h"

namespace leuko::distributed {

namespace {

class Done final : public Pending {
 public:
  void wait() override {}
};

// One rank alone: the sum over all ranks of a buffer is the buffer itself.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "single"; }
  std::unique_ptr<Pending> all_reduce_sum(const Tensor&) override {
    return std::make_unique<Done>();
  }
  void broadcast(const Tensor&, int root) override {
    LEUKO_CHECK(root == 0, "broadcast: root ", root, " of a single rank");
  }
};

}  // namespace

std::unique_ptr<Communicator> make_single_process() { return std::make_unique<SingleProcess>(); }

#if !LEUKO_WITH_MPI
std::unique_ptr<Communicator> make_mpi() { return nullptr; }
#endif

void Communicator::barrier() {
  if (size() > 1) all_reduce_sum_now(zeros({1}));
}

void broadcast_tensors(Communicator& communicator, const std::vector<Tensor>& tensors, int root) {
  if (communicator.size() == 1) return;
  for (const Tensor& t : tensors)
    if (t.dtype() == DType::f32) communicator.broadcast(t, root);
}

bool started_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr; }

std::chrono::seconds collective_timeout() {
  const char* text = std::getenv("LEUKO_COLLECTIVE_TIMEOUT");
  if (text == nullptr || *text == '\0') return std::chrono::seconds(300);
  char* end = nullptr;
  const long seconds = std::strtol(text, &end, 10);
  LEUKO_CHECK(*end == '\0' && seconds > 0 && seconds <= 86400, "LEUKO_COLLECTIVE_TIMEOUT='", text,
              "': expected whole seconds between 1 and 86400");
  return std::chrono::seconds(seconds);
}

Communicator& world() {
  static std::once_flag made;
  static std::unique_ptr<Communicator> communicator;
  std::call_once(made, [] {
    if (started_by_mpirun()) {
      communicator = make_mpi();
      LEUKO_CHECK(communicator != nullptr,
                  "started by mpirun, but this leuko was built without MPI (install "
                  "libopenmpi-dev, see scripts/setup.sh, and rebuild)");
    } else {
      communicator = make_single_process();
    }
  });
  return *communicator;
}

}  // namespace leuko::distributed
