#include "experiments/fetch/hash_order_split.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/io/hex.h"
#include "engine/io/sha256.h"

namespace leuko::fetch {

std::vector<std::string> sorted_by_salted_sha256(std::vector<std::string> names,
                                                 const std::string& salt) {
  std::vector<std::pair<std::string, std::string>> keyed;  // (hex digest, name)
  for (std::string& name : names) {
    Sha256 sha;
    sha.update(salt + ":" + name);
    keyed.emplace_back(to_hex(sha.finish()), std::move(name));
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> sorted;
  for (auto& [digest, name] : keyed) sorted.push_back(std::move(name));
  return sorted;
}

size_t hash_split_count(size_t n, double fraction, size_t minimum) {
  // std::nearbyint rounds in the default mode, to nearest with ties to even.
  const auto count = static_cast<size_t>(std::nearbyint(fraction * static_cast<double>(n)));
  return std::min(n, std::max(minimum, count));
}

}  // namespace leuko::fetch
