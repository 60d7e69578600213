#include "engine/nn/summary.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <typeinfo>

#include "engine/autograd.h"
#include "engine/format.h"
#include "engine/flop_count.h"

namespace leuko::nn {

// "leuko::models::WbcNet" -> "WbcNet".
static std::string class_name(const Module& m) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> full(
      abi::__cxa_demangle(typeid(m).name(), nullptr, nullptr, &status), &std::free);
  const std::string name = status == 0 ? full.get() : typeid(m).name();
  const size_t colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}

NetworkSummary summarize(Module& network, const std::function<Tensor(const Tensor&)>& forward,
                         const Tensor& input) {
  NetworkSummary s;
  std::map<const Module*, size_t> row_of;
  for (const auto& [name, module] : network.named_modules()) {
    LayerSummary row;
    row.name = name;
    row.type = class_name(*module);
    row.depth = name.empty() ? 0 : 1 + static_cast<int>(std::count(name.begin(), name.end(), '.'));
    row.trainable = module->parameter_count(/*trainable_only=*/true);
    row.frozen = module->parameter_count() - row.trainable;
    row_of.emplace(module, s.layers.size());
    s.layers.push_back(row);
  }

  // Each call: the FLOP count and the number of module calls when it began.
  struct OpenCall {
    int64_t flops_before;
    int64_t calls_before;
  };
  std::vector<OpenCall> open;
  int64_t calls = 0;
  const bool was_training = network.is_training();
  network.eval();
  Tensor output;
  {
    const NoGradGuard no_grad;
    const CountFlops flops;
    const ObserveForward observe(
        [&](const Module& m, const Tensor& y) {
          const OpenCall call = open.back();
          open.pop_back();
          const auto it = row_of.find(&m);
          if (it == row_of.end()) return;  // a module outside this network
          LayerSummary& row = s.layers[it->second];
          row.flops += flops.total() - call.flops_before;
          const bool innermost = calls == call.calls_before + 1;
          if (innermost) s.activation_bytes += y.numel() * 4;
          if (!row.called) {
            row.called = true;
            row.output = y.shape();
            row.output_bytes = y.numel() * 4;
          }
        },
        [&](const Module&, const Tensor&) {
          open.push_back({flops.total(), calls});
          ++calls;
        });
    output = forward(input);
    s.flops = flops.total();
  }
  network.train(was_training);

  s.input = input.shape();
  s.output = output.shape();
  LayerSummary& top = s.layers.front();
  top.flops = s.flops;  // however the forward reached the network, it is all of it
  if (!top.called) {
    top.called = true;
    top.output = output.shape();
    top.output_bytes = output.numel() * 4;
  }
  s.trainable = top.trainable;
  s.frozen = top.frozen;
  return s;
}

std::string format_summary(const NetworkSummary& s, const std::string& title) {
  struct Line {
    std::string name, type, shape, trainable, frozen, mflops, kib;
  };
  std::vector<Line> lines{{"layer", "type", "output", "trainable", "frozen", "MFLOPs", "out KiB"}};
  for (const LayerSummary& row : s.layers) {
    const std::string indent(2 * row.depth, ' ');
    lines.push_back({indent + (row.name.empty() ? title : row.name), row.type,
                     row.called ? to_string(row.output) : "-", grouped(row.trainable),
                     grouped(row.frozen), row.called ? fixed(row.flops / 1e6, 1) : "",
                     row.called ? fixed(row.output_bytes / 1024.0, 1) : ""});
  }
  std::vector<size_t> width(7, 0);
  for (const Line& l : lines) {
    const std::string* cells[] = {&l.name,   &l.type,   &l.shape, &l.trainable,
                                  &l.frozen, &l.mflops, &l.kib};
    for (size_t c = 0; c < 7; ++c) width[c] = std::max(width[c], cells[c]->size());
  }
  std::ostringstream out;
  for (const Line& l : lines) {
    std::string text;
    const std::string* cells[] = {&l.name,   &l.type,   &l.shape, &l.trainable,
                                  &l.frozen, &l.mflops, &l.kib};
    for (size_t c = 0; c < 7; ++c) {
      const std::string& cell = *cells[c];
      const std::string pad(width[c] - cell.size(), ' ');
      text += (c < 3 ? cell + pad : pad + cell) + (c + 1 < 7 ? "  " : "");  // numbers right
    }
    out << text.substr(0, text.find_last_not_of(' ') + 1) << "\n";
  }
  out << "\n-: not called on its own (its parent runs it inside a fused op or a method)\n"
      << "input " << to_string(s.input) << " -> output " << to_string(s.output) << "\n"
      << "parameters: " << grouped(s.trainable + s.frozen) << " (" << grouped(s.trainable)
      << " trainable, " << grouped(s.frozen) << " frozen)\n"
      << "forward: " << fixed(s.flops / 1e9, 3)
      << " GFLOPs (convolutions, linear layers and matrix products; 2 per multiply-add)\n"
      << "activations: " << fixed(s.activation_bytes / (1024.0 * 1024.0), 1)
      << " MiB (float32 outputs of the innermost layers, about what training keeps for "
         "backward)\n";
  return out.str();
}

}  // namespace leuko::nn
