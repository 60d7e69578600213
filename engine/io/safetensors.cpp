#include "engine/io/safetensors.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
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
  LEUKO_CHECK(header_size <= bytes.size() - 8, path, ": truncated or not a safetensors file "
              "(header of ", header_size, " bytes announced, file has ", bytes.size(), ")");
  json header;
  try {
    header = json::parse(bytes.substr(8, header_size));
  } catch (const json::exception& e) {
    throw Error(cat(path, ": safetensors header is not valid JSON (", e.what(), ")"));
  }
  LEUKO_CHECK(header.is_object(), path, ": safetensors header is not a JSON object");
  const char* data = bytes.data() + 8 + header_size;
  const uint64_t data_size = bytes.size() - 8 - header_size;

  SafetensorsFile file;
  for (const auto& [key, entry] : header.items()) {
    if (key == "__metadata__") {
      for (const auto& [name, value] : entry.items()) file.metadata[name] = value.get<std::string>();
      continue;
    }
    try {
      const DType dtype = parse_dtype(entry.at("dtype").get<std::string>(), path, key);
      const Shape shape = entry.at("shape").get<Shape>();
      const auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
      LEUKO_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= data_size,
                  path, ": tensor '", key, "' data lies outside the file (truncated?)");
      const uint64_t expected = shape_numel(shape) * element_size(dtype);
      LEUKO_CHECK(offsets[1] - offsets[0] == expected, path, ": tensor '", key, "' of shape ",
                  to_string(shape), " needs ", expected, " bytes, the file gives ",
                  offsets[1] - offsets[0]);
      Tensor t = empty(shape, dtype);
      std::memcpy(t.impl()->storage->data, data + offsets[0], expected);
      file.tensors[key] = t;
    } catch (const json::exception& e) {
      throw Error(cat(path, ": malformed entry for tensor '", key, "' (", e.what(), ")"));
    }
  }
  return file;
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    LEUKO_CHECK(out.good(), path, ": cannot open for writing");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    LEUKO_CHECK(out.good(), path, ": write failed (disk full?)");
  }
  LEUKO_CHECK(std::rename(temp.c_str(), path.c_str()) == 0, path, ": cannot rename ", temp,
              " into place");
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
    const char* dtype = host.dtype() == DType::f32 ? "F32" : host.dtype() == DType::i64 ? "I64" : "I32";
    header[key] = {{"dtype", dtype},
                   {"shape", host.shape()},
                   {"data_offsets", {data_size, data_size + size}}};
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
    std::memcpy(out, static_cast<const char*>(host.impl()->storage->data) +
                         host.offset() * element_size(host.dtype()),
                size);
    out += size;
  }
  write_file_atomically(path, bytes);
}

}  // namespace leuko
