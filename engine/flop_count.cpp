#include "engine/flop_count.h"

namespace leuko {

static thread_local CountFlops* innermost = nullptr;

CountFlops::CountFlops() : outer_(innermost) { innermost = this; }

CountFlops::~CountFlops() { innermost = outer_; }

void add_flops(int64_t flops) {
  for (CountFlops* c = innermost; c != nullptr; c = c->outer_) c->total_ += flops;
}

}  // namespace leuko
