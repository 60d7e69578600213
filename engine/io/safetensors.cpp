#include "engine/io/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "engine/error.h"

namespace leuko {

using json = nlohmann::json;

static DType parse_dtype(const std::string& name, const std::string& path, const std::string& key) {
  if (name == "F32") return DType::f32;
  if (name == "I64") return DType::i64;
  if (name == "I32") return DType::i32;
  throw Error(cat(path, ": tensor '", key, "' has dtype ", name,
                  "; leuko reads F32, I64 and I32 only (convert it with .float() before export)"));
}

// The header's JSON. A key given twice in one object is an error: the JSON parser would keep
// the last one silently, so two readers could see different tensors under one name.
static json parse_header(const std::string& text, const std::string& path) {
  std::vector<std::set<std::string>> keys_at_depth;  // the keys seen in each open object
  const json::parser_callback_t refuse_duplicates = [&](int depth, json::parse_event_t event,
                                                        json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys_at_depth.resize(static_cast<size_t>(depth) + 1);
      keys_at_depth[static_cast<size_t>(depth)].clear();
    } else if (event == json::parse_event_t::key) {
      const std::string& key = parsed.get_ref<const std::string&>();
      LEUKO_CHECK(keys_at_depth[static_cast<size_t>(depth) - 1].insert(key).second, path,
                  ": safetensors header has the key '", key, "' twice");
    }
    return true;
  };
  try {
    return json::parse(text, refuse_duplicates);
  } catch (const json::exception& e) {
    throw Error(cat(path, ": safetensors header is not valid JSON (", e.what(), ")"));
  }
}

// The tensors' byte ranges must tile the data section: starting at 0, each one where the
// previous ends, the last at the end of the file. A gap, an overlap or bytes left over mean
// a corrupt (e.g. a header length a few bytes off, which shifts every tensor) or crafted file.
static void check_ranges_tile(std::vector<std::pair<uint64_t, uint64_t>> ranges, uint64_t data_size,
                              const std::string& path) {
  std::sort(ranges.begin(), ranges.end());
  uint64_t covered = 0;
  for (const auto& [begin, end] : ranges) {
    LEUKO_CHECK(begin >= covered, path, ": two tensors overlap (bytes ", begin, " to ", covered,
                " of the data section)");
    LEUKO_CHECK(begin == covered, path, ": bytes ", covered, " to ", begin,
                " of the data section belong to no tensor (corrupt header length or offsets?)");
    covered = end;
  }
  LEUKO_CHECK(covered == data_size, path, ": the last ", data_size - covered, " bytes of the ",
              data_size,
              "-byte data section belong to no tensor (corrupt header length or offsets?)");
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  LEUKO_CHECK(in.good(), path, ": cannot open safetensors file");
  // One read of the whole file (a checkpoint can be hundreds of MB; reading it through a
  // character iterator cost more than the rest of loading it).
  const std::streamoff file_size = in.tellg();
  LEUKO_CHECK(file_size >= 0, path, ": cannot read (not a regular file?)");
  std::string bytes(static_cast<size_t>(file_size), '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  LEUKO_CHECK(in.good(), path, ": read failed");
  LEUKO_CHECK(bytes.size() >= 8, path, ": not a safetensors file (", bytes.size(),
              " bytes, shorter than the 8-byte header length)");
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  // The format's own bound (100 MB, as the reference implementation) keeps a corrupt length
  // from being taken for a header; a header is at least "{}".
  constexpr uint64_t kMaxHeader = 100'000'000;
  LEUKO_CHECK(header_size >= 2 && header_size <= kMaxHeader && header_size <= bytes.size() - 8,
              path, ": truncated or not a safetensors file (header of ", header_size,
              " bytes announced, file has ", bytes.size(), ")");
  LEUKO_CHECK(bytes[8] == '{', path,
              ": not a safetensors file (the header does not start with '{')");
  const json header = parse_header(bytes.substr(8, header_size), path);
  LEUKO_CHECK(header.is_object(), path, ": safetensors header is not a JSON object");
  const char* data = bytes.data() + 8 + header_size;
  const uint64_t data_size = bytes.size() - 8 - header_size;

  SafetensorsFile file;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [key, entry] : header.items()) {
    try {
      if (key == "__metadata__") {
        for (const auto& [name, value] : entry.items())
          file.metadata[name] = value.get<std::string>();
        continue;
      }
      const DType dtype = parse_dtype(entry.at("dtype").get<std::string>(), path, key);
      const Shape shape = entry.at("shape").get<Shape>();
      const auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
      LEUKO_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= data_size, path,
                  ": tensor '", key, "' data lies outside the file (truncated?)");
      // numel * element size, refusing negative sides and products that overflow (which
      // could otherwise wrap around to the size of the byte range).
      uint64_t expected = element_size(dtype);
      for (int64_t side : shape)
        LEUKO_CHECK(
            side >= 0 && !__builtin_mul_overflow(expected, static_cast<uint64_t>(side), &expected),
            path, ": tensor '", key, "' has an impossible shape ", to_string(shape));
      LEUKO_CHECK(offsets[1] - offsets[0] == expected, path, ": tensor '", key, "' of shape ",
                  to_string(shape), " needs ", expected, " bytes, the file gives ",
                  offsets[1] - offsets[0]);
      Tensor t = empty(shape, dtype);
      std::memcpy(t.impl()->storage->data, data + offsets[0], expected);
      file.tensors[key] = t;
      ranges.emplace_back(offsets[0], offsets[1]);
    } catch (const json::exception& e) {
      throw Error(cat(path, ": malformed entry for '", key, "' (", e.what(), ")"));
    }
  }
  check_ranges_tile(std::move(ranges), data_size, path);
  return file;
}

void check_finite(const std::map<std::string, Tensor>& tensors, const std::string& path) {
  for (const auto& [key, tensor] : tensors) {
    if (tensor.dtype() != DType::f32) continue;
    const Tensor host = tensor.contiguous().to(Device::cpu);
    const float* values = host.data<float>();
    for (int64_t i = 0; i < host.numel(); ++i)
      LEUKO_CHECK(std::isfinite(values[i]), path, ": tensor '", key, "' holds ", values[i],
                  " at element ", i, " (the weights are corrupt or training diverged)");
  }
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  LEUKO_CHECK(fd >= 0, path, ": cannot open ", temp, " for writing (", std::strerror(errno), ")");
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  // The bytes must be on the disk before the rename makes them the file: otherwise a power
  // loss after the rename can leave an empty or partial file in the old one's place.
  const bool synced = written == bytes.size() && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!synced) {
    std::remove(temp.c_str());
    throw Error(cat(path, ": write failed (disk full?): ", std::strerror(error)));
  }
  LEUKO_CHECK(std::rename(temp.c_str(), path.c_str()) == 0, path, ": cannot rename ", temp,
              " into place (", std::strerror(errno), ")");
  // The rename is an entry in the folder: synced too, so the new file is what stays.
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool dir_synced = dir >= 0 && ::fsync(dir) == 0;
  const int dir_error = errno;
  if (dir >= 0) ::close(dir);
  LEUKO_CHECK(dir_synced, path, ": cannot sync its folder ", folder, " (", std::strerror(dir_error),
              ")");
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> hosts;
  uint64_t data_size = 0;
  for (const auto& [key, tensor] : tensors) {
    LEUKO_CHECK(tensor.defined(), "save_safetensors: tensor '", key, "' is undefined");
    const Tensor host = tensor.contiguous().to(Device::cpu);
    const uint64_t size = host.numel() * element_size(host.dtype());
    const char* dtype = host.dtype() == DType::f32   ? "F32"
                        : host.dtype() == DType::i64 ? "I64"
                                                     : "I32";
    header[key] = {
        {"dtype", dtype}, {"shape", host.shape()}, {"data_offsets", {data_size, data_size + size}}};
    data_size += size;
    hosts.push_back(host);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
  const uint64_t header_size = text.size();
  // The file is assembled in one buffer of its final size: each tensor is copied once
  // (growing a string tensor by tensor and concatenating the parts copied a large
  // checkpoint three to four times).
  std::string bytes(8 + header_size + data_size, '\0');
  std::memcpy(bytes.data(), &header_size, 8);
  std::memcpy(bytes.data() + 8, text.data(), header_size);
  char* out = bytes.data() + 8 + header_size;
  for (const Tensor& host : hosts) {
    const size_t size = host.numel() * element_size(host.dtype());
    std::memcpy(out,
                static_cast<const char*>(host.impl()->storage->data) +
                    host.offset() * element_size(host.dtype()),
                size);
    out += size;
  }
  write_file_atomically(path, bytes);
}

}  // namespace leuko
