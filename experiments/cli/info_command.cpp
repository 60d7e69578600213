// `leuko info`: what this build is and what it can run on.
#include <cblas.h>
#include <omp.h>

#include <iostream>

#include "experiments/cli/commands.h"
#include "experiments/cli/device.h"

namespace leuko::cli {

void add_info_command(CLI::App& app) {
  CLI::App* info = app.add_subcommand("info", "Show version, build, BLAS, threads and devices");
  info->callback([] {
    std::cout << "leuko " << LEUKO_VERSION << "\n"
              << "build:   " << LEUKO_BUILD_TYPE << "\n"
              << "blas:    OpenBLAS (" << openblas_get_config() << "), "
              << openblas_get_num_threads() << " threads\n"
              << "openmp:  " << omp_get_max_threads() << " threads\n"
              << "cuda:    " << (LEUKO_CUDA_BUILT ? "built" : "not built") << "\n"
              << "devices: ";
    const std::vector<std::string> devices = usable_devices();
    for (size_t i = 0; i < devices.size(); ++i) std::cout << (i ? ", " : "") << devices[i];
    std::cout << " (usable now)\n";
  });
}

}  // namespace leuko::cli
