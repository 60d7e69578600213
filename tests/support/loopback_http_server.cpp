#include "tests/support/loopback_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "engine/error.h"

namespace leuko::testing {

namespace {

std::string percent_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

void send_all(int connection, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(connection, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return;  // the client went away: nothing to tell it
    data += sent;
    size -= static_cast<size_t>(sent);
  }
}

}  // namespace

LoopbackHttpServer::LoopbackHttpServer() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  LEUKO_CHECK(listener_ >= 0, "loopback server: socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // any free port
  socklen_t length = sizeof address;
  LEUKO_CHECK(::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
                  ::listen(listener_, 16) == 0 &&
                  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0,
              "loopback server: cannot listen on 127.0.0.1");
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

LoopbackHttpServer::~LoopbackHttpServer() {
  stopping_ = true;
  thread_.join();
  ::close(listener_);
}

std::string LoopbackHttpServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void LoopbackHttpServer::serve(const std::string& path, std::string body) {
  std::lock_guard<std::mutex> lock(mutex_);
  bodies_[path] = std::move(body);
}

void LoopbackHttpServer::drop_after(const std::string& path, int64_t bytes, int times) {
  std::lock_guard<std::mutex> lock(mutex_);
  drops_[path] = {bytes, times};
}

std::vector<std::string> LoopbackHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void LoopbackHttpServer::run() {
  while (!stopping_) {
    pollfd waiting{listener_, POLLIN, 0};
    if (::poll(&waiting, 1, 20) <= 0) continue;  // wake up now and then to see if stopping
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) continue;
    answer(connection);
    ::close(connection);
  }
}

void LoopbackHttpServer::answer(int connection) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    const ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
    if (got <= 0) return;
    request.append(buffer, static_cast<size_t>(got));
  }
  std::istringstream lines(request);
  std::string method, target;
  lines >> method >> target;
  const std::string path = percent_decode(target);
  int64_t first = -1;  // the first byte asked for, -1 without a Range header
  const size_t range = request.find("Range: bytes=");
  if (range != std::string::npos) first = std::atoll(request.c_str() + range + 13);

  std::string body;
  bool found = false;
  int64_t send_limit = -1;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(first >= 0 ? path + " from " + std::to_string(first) : path);
    if (const auto it = bodies_.find(path); it != bodies_.end()) {
      found = true;
      body = it->second;
    }
    if (const auto drop = drops_.find(path); drop != drops_.end() && drop->second.second > 0) {
      send_limit = drop->second.first;
      --drop->second.second;
    }
  }
  std::ostringstream head;
  const auto size = static_cast<int64_t>(body.size());
  if (!found) {
    head << "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n";
    body.clear();
  } else if (first >= size) {
    head << "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" << size
         << "\r\nContent-Length: 0\r\n";
    body.clear();
  } else if (first >= 0) {
    head << "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " << first << "-" << size - 1
         << "/" << size << "\r\nContent-Length: " << size - first << "\r\n";
    body = body.substr(static_cast<size_t>(first));
  } else {
    head << "HTTP/1.1 200 OK\r\nContent-Length: " << size << "\r\n";
  }
  head << "Connection: close\r\n\r\n";
  const std::string header = head.str();
  send_all(connection, header.data(), header.size());
  const size_t length = send_limit >= 0 && send_limit < static_cast<int64_t>(body.size())
                            ? static_cast<size_t>(send_limit)
                            : body.size();
  send_all(connection, body.data(), length);
}

}  // namespace leuko::testing
