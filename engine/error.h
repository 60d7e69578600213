// One exception type for every user-facing failure. Messages name the op or file and say
// what was expected, e.g. "conv2d: weight must be 4-D [out, in, kh, kw], got [3, 3]".
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace leuko {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Concatenates any streamable pieces into one message.
template <typename... Parts>
std::string cat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

}  // namespace leuko

// LEUKO_CHECK(cond, "op: ", "what was expected, got ", value) throws leuko::Error.
#define LEUKO_CHECK(cond, ...)                                    \
  do {                                                            \
    if (!(cond)) throw ::leuko::Error(::leuko::cat(__VA_ARGS__)); \
  } while (0)
