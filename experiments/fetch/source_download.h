// Brings a dataset's source files into a local folder, each at <folder>/<its repository
// path>, checked against its git blob id. What a stopped run left is kept: a complete file
// whose id matches is not fetched again, a partial one (<path>.part) continues where it
// stopped. A file that arrives with another id is deleted and reported.
#pragma once

#include <filesystem>
#include <vector>

#include "experiments/fetch/github_source.h"
#include "experiments/fetch/http_client.h"

namespace leuko::fetch {

void download_source_files(HttpClient& http, const SourceServers& servers, const SourcePins& pins,
                           const std::vector<SourceFile>& files,
                           const std::filesystem::path& folder, const std::string& label);

}  // namespace leuko::fetch
