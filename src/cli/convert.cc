#include "commands.h"
#include "synfire/error.h"
#include "synfire/nir/reader.h"
#include "synfire/nir/writer.h"

namespace synfire::cli {

int convert(const std::string& input, const std::string& output) {
  try {
    nir::Document document = nir::read_file(input);
    nir::write_file(document, output);
    return kExitOk;
  } catch (const Failure& failure) {
    const auto& e = failure.error();
    print_error(e.code + ": " + e.message, e.where.empty() ? input : e.where);
    return kExitInvalid;
  }
}

}  // namespace synfire::cli
