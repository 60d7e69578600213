// The processes of a data-parallel run and the collectives they share.
//
// Every rank runs the same program on its own shard of each batch; they meet only in
// collectives: all_reduce_sum (the gradients, summed in place) and broadcast (rank 0's
// weights and batch-norm buffers, so that every rank starts from and evaluates the same
// model). Every rank must start the same collectives in the same order, as in MPI.
//
// Backends (no home-made transport):
//   single  one process alone: every collective is the identity (the default);
//   mpi     Open MPI, for CPU tensors (cpu, and cuda-emu, whose memory is the host's),
//           chosen when the process was started by mpirun and leuko was built with MPI
//           (engine/distributed/mpi_communicator.cpp).
//
// A collective that waits longer than the timeout for the other ranks (one of them was
// killed, or is stuck) throws an Error naming the collective and the rank, so that a run
// never hangs; mpirun then stops the others.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace leuko::distributed {

// A collective running in the background; wait() returns when it is done on this rank and
// rethrows what went wrong (a timeout).
class Pending {
 public:
  virtual ~Pending() = default;
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string backend() const = 0;  // "single" or "mpi"

  // Starts summing `buffer` (contiguous float32) over all ranks, in place. The buffer must
  // stay alive and untouched until wait() returns.
  virtual std::unique_ptr<Pending> all_reduce_sum(const Tensor& buffer) = 0;
  // Copies rank `root`'s `buffer` into every rank's (contiguous float32), and returns then.
  virtual void broadcast(const Tensor& buffer, int root) = 0;

  void all_reduce_sum_now(const Tensor& buffer) { all_reduce_sum(buffer)->wait(); }
  // Returns when every rank has called it (an all-reduce of one float).
  void barrier();
  bool is_root() const { return rank() == 0; }
};

// Copies rank `root`'s values of each float32 tensor (a model's parameters and buffers)
// into every rank's, one broadcast each. Integer tensors (batch norm's step counter) are left
// alone: every rank counts the same steps.
void broadcast_tensors(Communicator& communicator, const std::vector<Tensor>& tensors,
                       int root = 0);

// The one communicator of this process, made on first use: MPI when this process was
// started by mpirun (Open MPI's OMPI_COMM_WORLD_SIZE is set) and leuko was built with MPI,
// else a single rank. Started by mpirun without MPI support, it stops with an Error.
Communicator& world();

// How long a collective waits for the other ranks before it gives up (default 300 s;
// LEUKO_COLLECTIVE_TIMEOUT in seconds overrides it).
std::chrono::seconds collective_timeout();

// The single-process communicator (world() outside mpirun).
std::unique_ptr<Communicator> make_single_process();

// Open MPI's communicator (engine/distributed/mpi_communicator.cpp); null when leuko was
// built without MPI.
std::unique_ptr<Communicator> make_mpi();

// True when this process was started by Open MPI's mpirun (with any number of ranks).
bool started_by_mpirun();

}  // namespace leuko::distributed
