// The deterministic splits the data recipes document, which need no random generator and
// no list of file names: sort the names by sha256("<salt>:" + name) and take the first
// round(fraction * n). The same names give the same split on every machine.
#pragma once

#include <string>
#include <vector>

namespace leuko::fetch {

// `names` sorted by the hex SHA-256 of salt + ":" + name.
std::vector<std::string> sorted_by_salted_sha256(std::vector<std::string> names,
                                                 const std::string& salt);

// round(fraction * n) with halves to even, as Python's round(), which the recipes were
// written with; at least `minimum` (and at most n).
size_t hash_split_count(size_t n, double fraction, size_t minimum = 0);

}  // namespace leuko::fetch
