#pragma once
// A progress bar on stderr (rate and ETA) for hashing, upload and download; drawn only
// when stderr is a terminal and --quiet was not given. Thread-safe: a large file is
// hashed while it uploads, and the hashing shows at the end of its upload line.

#include <chrono>
#include <mutex>
#include <string>

#include "synfire/client/client.h"

namespace synfire::cli {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { finish(); }

  void update(const client::Progress& progress);
  void finish();  // ends the current line

 private:
  void draw(const client::Progress& progress, bool final);
  void finish_locked();

  std::mutex mutex_;
  bool enabled_;
  int hashed_percent_ = -1;  // of the file being uploaded, while its hash runs
  std::string phase_, file_;
  std::chrono::steady_clock::time_point started_, drawn_;
  std::uint64_t first_done_ = 0;
  bool open_ = false;
  client::Progress last_;
};

std::string human_bytes(double bytes);

}  // namespace synfire::cli
