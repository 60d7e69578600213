#include "experiments/fetch/http_client.h"

#include <curl/curl.h>

#include <cstdio>

#include "engine/error.h"

namespace leuko::fetch {

namespace {

constexpr int kAttempts = 3;  // a dropped connection is resumed twice before giving up

CURL* handle(void* curl) { return static_cast<CURL*>(curl); }

size_t append_to_string(char* data, size_t size, size_t count, void* text) {
  static_cast<std::string*>(text)->append(data, size * count);
  return size * count;
}

struct FileSink {
  std::FILE* file;
  const std::function<void(int64_t)>* on_bytes;
};

size_t append_to_file(char* data, size_t size, size_t count, void* sink_pointer) {
  auto* sink = static_cast<FileSink*>(sink_pointer);
  const size_t written = std::fwrite(data, 1, size * count, sink->file);
  if (*sink->on_bytes) (*sink->on_bytes)(static_cast<int64_t>(written));
  return written;  // fewer than given stops the transfer with CURLE_WRITE_ERROR
}

// "HTTP 404" for an error status, else curl's own words ("Couldn't connect to server").
std::string failure(CURL* curl, CURLcode code, const char* details) {
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (code == CURLE_HTTP_RETURNED_ERROR) return cat("HTTP ", status);
  return details[0] != '\0' ? std::string(details) : std::string(curl_easy_strerror(code));
}

// A transfer that started and then broke off: worth resuming.
bool dropped(CURLcode code) {
  return code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING ||
         code == CURLE_OPERATION_TIMEDOUT;
}

}  // namespace

HttpClient::HttpClient() {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  LEUKO_CHECK(global == CURLE_OK, "libcurl: initialisation failed: ", curl_easy_strerror(global));
  curl_ = curl_easy_init();
  LEUKO_CHECK(curl_ != nullptr, "libcurl: cannot create a transfer handle");
}

HttpClient::~HttpClient() { curl_easy_cleanup(handle(curl_)); }

namespace {

// Settings every request shares; the caller adds where the body goes.
void prepare(CURL* curl, const std::string& url, char* error_details) {
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);                // a 4xx/5xx body is not the file
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "leuko-data-fetch");  // GitHub's API requires one
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled connection (under 1 byte/s for a minute) fails instead of hanging for ever.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_details);
  error_details[0] = '\0';
}

}  // namespace

std::string HttpClient::get_text(const std::string& url) {
  char details[CURL_ERROR_SIZE];
  prepare(handle(curl_), url, details);
  std::string body;
  curl_easy_setopt(handle(curl_), CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(handle(curl_), CURLOPT_WRITEDATA, &body);
  const CURLcode code = curl_easy_perform(handle(curl_));
  LEUKO_CHECK(code == CURLE_OK, "GET ", url, ": ", failure(handle(curl_), code, details));
  return body;
}

void HttpClient::download(const std::string& url, const std::filesystem::path& partial,
                          const std::function<void(int64_t)>& on_bytes) {
  for (int attempt = 1;; ++attempt) {
    const int64_t have = std::filesystem::exists(partial)
                             ? static_cast<int64_t>(std::filesystem::file_size(partial))
                             : 0;
    std::FILE* file = std::fopen(partial.c_str(), "ab");
    LEUKO_CHECK(file != nullptr, partial.string(), ": cannot open for writing");
    char details[CURL_ERROR_SIZE];
    prepare(handle(curl_), url, details);
    FileSink sink{file, &on_bytes};
    curl_easy_setopt(handle(curl_), CURLOPT_WRITEFUNCTION, append_to_file);
    curl_easy_setopt(handle(curl_), CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(handle(curl_), CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(have));
    const CURLcode code = curl_easy_perform(handle(curl_));
    const bool closed = std::fclose(file) == 0;
    LEUKO_CHECK(closed, partial.string(), ": write failed (disk full?)");
    if (code == CURLE_OK) return;
    if (code == CURLE_RANGE_ERROR) {
      // The server sends whole files only: what we have is no use, start from byte 0.
      std::filesystem::remove(partial);
      continue;
    }
    if (dropped(code) && attempt < kAttempts) continue;
    throw Error(cat("GET ", url, ": ", failure(handle(curl_), code, details),
                    have > 0 ? cat(" (resuming at byte ", have, ")") : std::string(),
                    "; run the same command again to resume"));
  }
}

}  // namespace leuko::fetch
