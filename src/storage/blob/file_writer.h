#pragma once
// Sequential file writing for the filesystem blob driver.
//
// Large blobs are written with O_DIRECT from a few aligned buffers, by a thread of
// their own: the bytes go from those (reused, always-resident) buffers to the disk
// without a copy into the page cache, and the disk works while the next bytes arrive
// and are hashed (by a second thread, when a hasher is given: hash_into). Buffered writes into fresh page-cache pages cost more CPU than
// hashing on small machines, and left the rate of a 1 GiB upload at the mercy of the
// kernel's writeback. Small files, the unaligned head and tail of a write, and
// filesystems without O_DIRECT (tmpfs before Linux 6.6, for one) use ordinary writes.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "synfire/crypto/sha256.h"

namespace synfire::storage {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset();
    fd_ = std::exchange(other.fd_, -1);
    return *this;
  }
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  void reset();

 private:
  int fd_;
};

// Throws synfire::Failure naming `what`, the error's message and the path: code
// "insufficient_storage" when the disk or quota is full, else "io_error".
[[noreturn]] void io_failure(const std::string& what, const std::filesystem::path& path, int error = errno);

// Writes a file from `offset` on, in order. Bytes appended reach the file by flush()
// (or sync()); the file always holds a contiguous prefix of what was appended, so a
// process killed halfway leaves a file that is simply shorter.
class FileWriter {
 public:
  // Opens `path` (created when `create` is set, and then it must not exist) and
  // writes from `offset`, which should be the file's length. `direct` false: ordinary
  // writes only (as on a filesystem without O_DIRECT).
  FileWriter(std::filesystem::path path, bool create, std::uint64_t offset = 0, bool direct = true);
  // Waits for writes already handed to the disk; bytes not yet flushed are dropped.
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void append(std::span<const std::byte> bytes);
  // Receiving in place of append(), without a copy: space in the buffer being filled
  // (empty where bytes are not staged: then use append()), and how much of it the
  // caller filled.
  std::span<std::byte> reserve();
  void commit_reserved(std::size_t bytes);
  // Writes everything appended. Throws "io_error".
  void flush();
  // flush(), then fsync.
  void sync();
  // From now on every byte appended is also fed to `hasher`, in order, before it is
  // written: full buffers on a thread of their own, so that the caller's thread only
  // receives. Call before the first append; flush() returns once all are hashed.
  void hash_into(crypto::Sha256* hasher) { hasher_ = hasher; }
  // The length of the file once flushed: `offset` plus every byte appended.
  std::uint64_t end() const { return end_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Buffer;
  struct Job {
    std::size_t buffer;
    std::uint64_t offset;
    std::size_t bytes;
  };

  void write_buffered(std::span<const std::byte> bytes);
  void stage(std::span<const std::byte> bytes);
  void submit_staged(std::size_t bytes);
  std::size_t take_free_buffer();
  void drain();
  void work();
  void hash_work();
  void rethrow_worker_error();

  std::filesystem::path path_;
  UniqueFd buffered_;
  UniqueFd direct_;           // -1 where the filesystem has no O_DIRECT
  std::uint64_t end_ = 0;     // file offset after every appended byte
  std::uint64_t written_ = 0; // file offset up to which bytes are written or queued
  std::size_t staged_ = 0;    // bytes in the current buffer (which starts at written_)
  std::size_t current_ = 0;   // the buffer being filled, when staged_ > 0 or filling_
  bool filling_ = false;

  std::mutex mutex_;  // guards what follows
  std::condition_variable changed_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::vector<std::size_t> free_;
  std::deque<Job> jobs_;
  std::deque<Job> hash_jobs_;  // to hash before they go to jobs_ (when hasher_ is set)
  bool busy_ = false;  // the worker is writing a job taken off jobs_
  bool hashing_ = false;  // the hashing thread is on a job taken off hash_jobs_
  crypto::Sha256* hasher_ = nullptr;
  std::thread hash_worker_;
  bool stopping_ = false;
  int worker_errno_ = 0;
  std::thread worker_;
};

}  // namespace synfire::storage
