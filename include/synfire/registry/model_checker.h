#pragma once
// Checking an uploaded model.nir: libhdf5 is not hardened against hostile files, so
// the registry reads uploads through this interface; the production implementation
// runs the NIR library in a separate, resource-limited process.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "synfire/crypto/sha256.h"
#include "synfire/storage/blob_store.h"

namespace synfire::registry {

struct ModelReport {
  bool readable = false;
  std::string report_json;  // the `synfire inspect --json` object
  std::string error_class;  // when unreadable: not_hdf5, unsafe_file ... or worker_failed
  std::string error_message;
  std::string error_path;
};

class ModelChecker {
 public:
  virtual ~ModelChecker() = default;
  // Reads the blob as a NIR file. Never throws for a bad file: a crash, hang or
  // resource exhaustion of the reader is an unreadable report ("worker_failed").
  virtual ModelReport check(storage::BlobStore& blobs, const crypto::Digest& model) = 0;
};

struct WorkerLimits {
  std::uint64_t memory_bytes = 3ULL << 30;  // address space of the worker
  int cpu_seconds = 60;
  int wall_seconds = 120;
  int open_files = 64;
};

// Runs `worker` (the `synfire` CLI: `inspect --json -`, reading the file on stdin)
// in a child process with the given limits, killed when it passes wall_seconds.
std::unique_ptr<ModelChecker> make_process_model_checker(std::string worker, WorkerLimits limits = {});

}  // namespace synfire::registry
