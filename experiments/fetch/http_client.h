// HTTP(S) GETs through libcurl, for `leuko data fetch`: small documents into memory, files
// onto disk with resumption. One client keeps its connection open between requests (most
// datasets are thousands of small files from one host). Every failure is one leuko::Error
// naming the URL and what went wrong.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace leuko::fetch {

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // The body of a successful (2xx) response.
  std::string get_text(const std::string& url);

  // Appends the rest of `url` to `partial`: when the file already holds n bytes (from a run
  // that stopped), asks for "Range: bytes=n-" and starts over if the server ignores it.
  // A connection that drops midway is resumed the same way, a few times, before giving up.
  // `on_bytes(b)` is told of every b bytes written.
  void download(const std::string& url, const std::filesystem::path& partial,
                const std::function<void(int64_t)>& on_bytes);

 private:
  void* curl_;  // CURL*: the header stays free of curl's
};

}  // namespace leuko::fetch
