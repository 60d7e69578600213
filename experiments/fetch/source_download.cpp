#include "experiments/fetch/source_download.h"

#include <cstdio>

#include "engine/error.h"
#include "experiments/fetch/git_objects.h"
#include "experiments/training/progress.h"

namespace leuko::fetch {

namespace fs = std::filesystem;

namespace {

std::string megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(bytes) / 1e6);
  return text;
}

bool holds(const fs::path& path, const SourceFile& file) {
  return fs::exists(path) && static_cast<int64_t>(fs::file_size(path)) == file.size &&
         git_blob_id_of_file(path) == file.blob_id;
}

}  // namespace

void download_source_files(HttpClient& http, const SourceServers& servers, const SourcePins& pins,
                           const std::vector<SourceFile>& files, const fs::path& folder,
                           const std::string& label) {
  int64_t total = 0, done = 0;
  std::vector<const SourceFile*> missing;
  for (const SourceFile& file : files) {
    total += file.size;
    if (holds(folder / file.path(), file)) {
      done += file.size;
    } else {
      missing.push_back(&file);
    }
  }
  std::printf("%s: %zu source files, %s MB; %zu to download\n", label.c_str(), files.size(),
              megabytes(total).c_str(), missing.size());
  if (missing.empty()) return;

  // The bar and its time left count this run's bytes; the text counts all of them.
  int64_t to_download = 0;
  for (const SourceFile* file : missing) to_download += file->size;
  cli::Progress progress(label + ": download", to_download);
  int64_t downloaded = 0;
  const auto report = [&](int64_t bytes) {
    downloaded += bytes;
    done += bytes;
    progress.update(downloaded, megabytes(done) + " / " + megabytes(total) + " MB");
  };
  for (const SourceFile* file : missing) {
    const fs::path target = folder / file->path();
    const fs::path partial = target.string() + ".part";
    fs::create_directories(target.parent_path());
    // The bytes a stopped run left in the partial file count as done.
    if (fs::exists(partial)) {
      if (static_cast<int64_t>(fs::file_size(partial)) > file->size)
        fs::remove(partial);
      else
        report(static_cast<int64_t>(fs::file_size(partial)));
    }
    const std::string url = raw_file_url(servers, pins, *file);
    if (!fs::exists(partial) || static_cast<int64_t>(fs::file_size(partial)) < file->size) {
      http.download(url, partial, report);
    }
    const int64_t size = static_cast<int64_t>(fs::file_size(partial));
    const std::string id = git_blob_id_of_file(partial);
    if (size != file->size || id != file->blob_id) {
      fs::remove(partial);
      throw Error(cat(url, ": got ", size, " bytes with git blob id ", id, ", expected ",
                      file->size, " bytes with id ", file->blob_id,
                      " (the pinned listing's); the file was deleted, run again to retry"));
    }
    fs::rename(partial, target);
  }
  progress.finish(cat(missing.size(), " files, ", megabytes(total), " MB verified"));
}

}  // namespace leuko::fetch
