// Writes the generated models used by the benchmarks and by `make run`:
//   synfire-bench-gen DIR [NAME...]     (all of them when no NAME is given)
// DIR/chain_20000.nir   Input -> (Linear -> LIF) x 9,999 -> Output: 20,000 nodes
// DIR/weight_64mib.nir  one Linear with a 4096 x 4096 float32 weight (64 MiB)
// DIR/conv_classifier.nir, DIR/recurrent_cubalif.nir  small demo models

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>
#include <iostream>

#include "synfire/error.h"
#include "synfire/nir/samples.h"
#include "synfire/nir/writer.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: synfire-bench-gen DIR [NAME...]\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const std::vector<std::string> wanted(argv + 2, argv + argc);
  std::filesystem::create_directories(dir);
  using namespace synfire::nir;
  try {
    auto write = [&](const Document& doc, const std::string& name) {
      const auto path = dir / name;
      const std::string stem = name.substr(0, name.size() - 4);
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), stem) == wanted.end()) return;
      if (!std::filesystem::exists(path)) write_file(doc, path.string());
    };
    write(samples::conv_classifier(), "conv_classifier.nir");
    write(samples::recurrent_cubalif(), "recurrent_cubalif.nir");
    if (wanted.empty() || std::count(wanted.begin(), wanted.end(), "chain_20000"))
      write(samples::lif_chain(9'999, 1), "chain_20000.nir");
    if (wanted.empty() || std::count(wanted.begin(), wanted.end(), "weight_64mib"))
      write(samples::single_linear(4096, 4096), "weight_64mib.nir");
    if (std::count(wanted.begin(), wanted.end(), "weight_1gib"))  // only when asked: 1 GiB of weights
      write(samples::single_linear(16384, 17920), "weight_1gib.nir");  // gzip leaves about 1.02 GiB
  } catch (const synfire::Failure& failure) {
    std::cerr << "synfire-bench-gen: " << failure.what() << " (" << failure.error().where << ")\n";
    return 1;
  }
  return 0;
}
