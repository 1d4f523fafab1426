// Reads uploaded models in a child process (`synfire inspect --json FILE`) under
// resource limits, so that a crash, hang or allocation storm inside libhdf5 costs one
// refused upload, never the server. See tests/regress/libhdf5/ for such files.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "synfire/error.h"
#include "synfire/registry/model_checker.h"

namespace synfire::registry {
namespace {

constexpr std::size_t kMaxReportBytes = 16 << 20;

ModelReport failed(const std::string& message) {
  ModelReport report;
  report.error_class = "worker_failed";
  report.error_message = message;
  return report;
}

// A blob as a local file: the store's own when it has one, else a temporary copy.
class LocalCopy {
 public:
  LocalCopy(storage::BlobStore& blobs, const crypto::Digest& digest) {
    if (auto path = blobs.local_path(digest)) {
      path_ = *path;
      return;
    }
    auto reader = blobs.open(digest);
    if (!reader) throw Failure("blob_unknown", "no uploaded blob " + digest.to_string());
    std::string pattern = (std::filesystem::temp_directory_path() / "synfire-model-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw Failure("io_error", "cannot create a temporary file for the model");
    path_ = pattern;
    temporary_ = true;
    std::array<std::byte, 1 << 16> buffer;
    for (std::size_t n; (n = reader->read(buffer)) > 0;)
      if (::write(fd, buffer.data(), n) != static_cast<ssize_t>(n)) {
        ::close(fd);
        throw Failure("io_error", "cannot copy the model to a temporary file");
      }
    ::close(fd);
  }
  ~LocalCopy() {
    if (temporary_) {
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool temporary_ = false;
};

class ProcessModelChecker final : public ModelChecker {
 public:
  ProcessModelChecker(std::string worker, WorkerLimits limits) : worker_(std::move(worker)), limits_(limits) {}

  ModelReport check(storage::BlobStore& blobs, const crypto::Digest& model) override {
    LocalCopy file(blobs, model);
    return run(file.path().string());
  }

 private:
  std::string worker_;
  WorkerLimits limits_;

  ModelReport run(const std::string& path) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return failed("cannot start the model reader (pipe)");
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(out[0]);
      ::close(out[1]);
      return failed("cannot start the model reader (fork)");
    }
    if (pid == 0) exec_worker(path, out[1]);  // never returns
    ::close(out[1]);
    std::string output;
    const bool in_time = read_until(out[0], output, std::chrono::seconds(limits_.wall_seconds));
    ::close(out[0]);
    if (!in_time) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!in_time) return failed("reading the model took longer than " + std::to_string(limits_.wall_seconds) + " s");
    if (WIFSIGNALED(status))
      return failed(std::string("the model reader stopped on signal ") + ::strsignal(WTERMSIG(status)) +
                    " (a file libhdf5 cannot read safely)");
    return parse(output);
  }

  // In the child: limits, stdout to the pipe, then exec. Only async-signal-safe calls.
  [[noreturn]] void exec_worker(const std::string& path, int out) {
    ::dup2(out, STDOUT_FILENO);
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDERR_FILENO);
    const rlimit memory{limits_.memory_bytes, limits_.memory_bytes};
    const rlimit cpu{static_cast<rlim_t>(limits_.cpu_seconds), static_cast<rlim_t>(limits_.cpu_seconds)};
    const rlimit files{static_cast<rlim_t>(limits_.open_files), static_cast<rlim_t>(limits_.open_files)};
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_AS, &memory);
    ::setrlimit(RLIMIT_CPU, &cpu);
    ::setrlimit(RLIMIT_NOFILE, &files);
    ::setrlimit(RLIMIT_CORE, &no_core);
    const char* argv[] = {worker_.c_str(), "inspect", "--json", path.c_str(), nullptr};
    ::execv(worker_.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }

  // Reads everything (at most kMaxReportBytes) until EOF or the deadline.
  static bool read_until(int fd, std::string& output, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::array<char, 1 << 16> buffer;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return ready == 0 ? false : true;
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return true;
      if (output.size() + static_cast<std::size_t>(n) <= kMaxReportBytes) output.append(buffer.data(), static_cast<std::size_t>(n));
    }
  }

  static ModelReport parse(const std::string& output) {
    nlohmann::json report;
    try {
      report = nlohmann::json::parse(output);
    } catch (const nlohmann::json::exception&) {
      return failed("the model reader gave no report (it may have run out of memory)");
    }
    ModelReport result;
    if (report.value("ok", false)) {
      result.readable = true;
      result.report_json = output;
      return result;
    }
    const auto& error = report["error"];
    result.error_class = error.value("class", "worker_failed");
    result.error_message = error.value("message", "");
    result.error_path = error.value("path", "");
    return result;
  }
};

}  // namespace

std::unique_ptr<ModelChecker> make_process_model_checker(std::string worker, WorkerLimits limits) {
  return std::make_unique<ProcessModelChecker>(std::move(worker), limits);
}

}  // namespace synfire::registry
