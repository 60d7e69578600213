// A tiny HTTP/1.1 server on 127.0.0.1 for tests that download (`leuko data fetch`): it
// serves bodies registered by path, answers "Range: bytes=N-" with 206 Partial Content,
// can cut a response off midway (to test resumption), and records every request. One
// thread, one request per connection ("Connection: close"): small and enough for tests.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace leuko::testing {

class LoopbackHttpServer {
 public:
  LoopbackHttpServer();  // listens on a free port at once
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  std::string url() const;  // "http://127.0.0.1:<port>"

  // GET `path` (decoded: "/a b/c", not "/a%20b/c") returns `body`; others get 404.
  void serve(const std::string& path, std::string body);
  // The next `times` responses to `path` send only `bytes` bytes of the body, then close.
  void drop_after(const std::string& path, int64_t bytes, int times = 1);

  // Every request so far, as "<path>" or "<path> from <first byte>" for a range request.
  std::vector<std::string> requests() const;

 private:
  void run();
  void answer(int connection);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;  // guards the three members below
  std::map<std::string, std::string> bodies_;
  std::map<std::string, std::pair<int64_t, int>> drops_;  // path -> (bytes, times left)
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace leuko::testing
