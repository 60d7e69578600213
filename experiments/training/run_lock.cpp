#include "experiments/training/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "engine/error.h"

namespace leuko::cli {

RunLock::RunLock(const RunFolder& folder) {
  const std::string path = folder.file(kFile).string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  LEUKO_CHECK(fd_ >= 0, "cannot write in the run folder ", folder.root().string(), ": ",
              std::strerror(errno), " (give --out a folder you can write to)");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char pid[32] = {};
    const ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
    ::close(fd_);
    LEUKO_CHECK(error == EWOULDBLOCK, "cannot lock ", path, ": ", std::strerror(error));
    throw Error(cat(folder.root().string(), " is in use by another leuko run (pid ",
                    n > 0 ? std::string(pid, static_cast<size_t>(n)) : std::string("unknown"),
                    "); wait for it to end, or give this run another --out"));
  }
  const std::string pid = std::to_string(::getpid());
  // The pid is only for that message: when it cannot be written, the message says "unknown".
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) return;
}

RunLock::~RunLock() { ::close(fd_); }  // closing the last descriptor releases the flock

void start_over(const RunFolder& folder) {
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder.root())) {
    if (entry.path().filename() == RunLock::kFile) continue;
    std::filesystem::remove_all(entry.path());
    ++removed;
  }
  if (removed > 0)
    std::printf("--restart: deleted the earlier run's %d file(s) and folder(s) in %s\n", removed,
                folder.root().string().c_str());
}

}  // namespace leuko::cli
