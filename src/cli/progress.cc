#include "progress.h"

#include <cstdio>

namespace synfire::cli {

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

void ProgressBar::update(const client::Progress& progress) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (progress.phase == "hash" && phase_ == "upload" && progress.file == file_ && open_) {
    hashed_percent_ = progress.total ? static_cast<int>(progress.done * 100 / progress.total) : 100;
    return;  // shown on the upload line
  }
  if (progress.phase != phase_ || progress.file != file_) {
    finish_locked();
    if (progress.phase != "upload") hashed_percent_ = -1;
    phase_ = progress.phase;
    file_ = progress.file;
    started_ = now;
    first_done_ = progress.done;
    drawn_ = {};
  }
  last_ = progress;
  open_ = true;
  const bool final = progress.done >= progress.total;
  if (final || now - drawn_ >= std::chrono::milliseconds(100)) {
    draw(progress, final);
    drawn_ = now;
  }
}

void ProgressBar::draw(const client::Progress& progress, bool final) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double rate = seconds > 0 ? (progress.done - first_done_) / seconds : 0;
  const double fraction = progress.total ? static_cast<double>(progress.done) / progress.total : 1.0;
  constexpr int kWidth = 24;
  std::string bar(kWidth, ' ');
  for (int i = 0; i < static_cast<int>(fraction * kWidth) && i < kWidth; ++i) bar[i] = '=';
  std::string eta = "--";
  if (final) eta = "done";
  else if (rate > 0) eta = std::to_string(static_cast<long>((progress.total - progress.done) / rate)) + "s";
  std::string hashed;
  if (progress.phase == "upload" && hashed_percent_ >= 0 && hashed_percent_ < 100)
    hashed = "  hashed " + std::to_string(hashed_percent_) + "%";
  std::fprintf(stderr, "\r%-8s %-16s %3d%% [%s] %10s %10s/s ETA %-6s%-14s", progress.phase.c_str(),
               progress.file.c_str(), static_cast<int>(fraction * 100), bar.c_str(), human_bytes(progress.done).c_str(),
               human_bytes(rate).c_str(), eta.c_str(), hashed.c_str());
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  finish_locked();
}

void ProgressBar::finish_locked() {
  if (!open_) return;
  draw(last_, last_.done >= last_.total);
  std::fputc('\n', stderr);
  open_ = false;
}

}  // namespace synfire::cli
