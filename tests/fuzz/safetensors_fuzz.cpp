// Fuzzes the safetensors reader through load_checkpoint (which reads the file with
// load_safetensors, then its metadata and tensor names): whatever the bytes, the result is
// a checkpoint or a leuko::Error, never a crash, a leak, another exception or a hang.
#include <cstddef>
#include <cstdint>

#include "engine/error.h"
#include "engine/io/checkpoint.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = leuko::fuzz::write_input(data, size, ".safetensors");
  try {
    leuko::load_checkpoint(path);
  } catch (const leuko::Error&) {
    // A refused file: the documented outcome.
  }
  return 0;
}
