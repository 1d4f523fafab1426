#include "file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "synfire/error.h"

namespace synfire::storage {
namespace {

constexpr std::size_t kAlign = 4096;             // O_DIRECT offsets, lengths and addresses
constexpr std::size_t kBufferBytes = 1 << 20;    // one disk write
constexpr std::size_t kBuffers = 8;              // at most 8 MiB per writer

// Writes all of `bytes` at `offset`; returns 0 or the errno of the failure.
int pwrite_all(int fd, const std::byte* data, std::size_t bytes, std::uint64_t offset) {
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd, data, bytes, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    data += n;
    bytes -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return 0;
}

}  // namespace

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void io_failure(const std::string& what, const std::filesystem::path& path, int error) {
  const bool full = error == ENOSPC || error == EDQUOT;
  throw Failure(full ? "insufficient_storage" : "io_error", what + ": " + std::strerror(error), path.string());
}

struct FileWriter::Buffer {
  std::byte* data = static_cast<std::byte*>(std::aligned_alloc(kAlign, kBufferBytes));
  ~Buffer() { std::free(data); }
};

FileWriter::FileWriter(std::filesystem::path path, bool create, std::uint64_t offset, bool direct)
    : path_(std::move(path)), end_(offset), written_(offset) {
  const int flags = O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
  buffered_ = UniqueFd(::open(path_.c_str(), flags, 0644));
  if (buffered_.get() < 0) io_failure(create ? "cannot create the file" : "cannot open the file", path_);
  if (direct) direct_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CLOEXEC | O_DIRECT));
}

FileWriter::~FileWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (hash_worker_.joinable()) hash_worker_.join();
  if (worker_.joinable()) worker_.join();
}

void FileWriter::append(std::span<const std::byte> bytes) {
  rethrow_worker_error();
  while (!bytes.empty()) {
    std::size_t taken;
    if (direct_.get() < 0) {
      taken = bytes.size();
      write_buffered(bytes);
    } else if (!filling_ && written_ % kAlign != 0) {
      // The unaligned head (a file continued after a flush): up to the next boundary.
      taken = std::min(bytes.size(), kAlign - written_ % kAlign);
      write_buffered(bytes.first(taken));
    } else {
      taken = std::min(bytes.size(), kBufferBytes - staged_);
      stage(bytes.first(taken));
    }
    end_ += taken;
    bytes = bytes.subspan(taken);
  }
}

std::span<std::byte> FileWriter::reserve() {
  rethrow_worker_error();
  if (direct_.get() < 0 || (!filling_ && written_ % kAlign != 0)) return {};
  if (!filling_) {
    current_ = take_free_buffer();
    filling_ = true;
    staged_ = 0;
  }
  return {buffers_[current_]->data + staged_, kBufferBytes - staged_};
}

void FileWriter::commit_reserved(std::size_t bytes) {
  staged_ += bytes;
  end_ += bytes;
  if (staged_ == kBufferBytes) submit_staged(kBufferBytes);
}

void FileWriter::stage(std::span<const std::byte> bytes) {
  if (!filling_) {
    current_ = take_free_buffer();
    filling_ = true;
    staged_ = 0;
  }
  std::memcpy(buffers_[current_]->data + staged_, bytes.data(), bytes.size());
  staged_ += bytes.size();
  if (staged_ == kBufferBytes) submit_staged(kBufferBytes);
}

void FileWriter::submit_staged(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    (hasher_ ? hash_jobs_ : jobs_).push_back({current_, written_, bytes});
  }
  if (hasher_ && !hash_worker_.joinable()) hash_worker_ = std::thread([this] { hash_work(); });
  if (!worker_.joinable()) worker_ = std::thread([this] { work(); });
  changed_.notify_all();
  written_ += bytes;
  filling_ = false;
  staged_ = 0;
}

std::size_t FileWriter::take_free_buffer() {
  std::unique_lock lock(mutex_);
  if (free_.empty() && buffers_.size() < kBuffers) {
    buffers_.push_back(std::make_unique<Buffer>());
    if (!buffers_.back()->data) throw Failure("io_error", "out of memory for a write buffer", path_.string());
    return buffers_.size() - 1;
  }
  changed_.wait(lock, [&] { return !free_.empty() || worker_errno_ != 0; });
  if (worker_errno_ != 0) {
    lock.unlock();
    rethrow_worker_error();
  }
  const std::size_t index = free_.back();
  free_.pop_back();
  return index;
}

void FileWriter::flush() {
  if (filling_ && staged_ > 0) {
    const std::size_t index = current_;
    const std::size_t staged = staged_;
    // Small files never start the worker: one ordinary write. Otherwise the aligned
    // part goes the way of the rest and the tail follows once it is on disk.
    const std::size_t aligned = worker_.joinable() ? staged & ~(kAlign - 1) : 0;
    if (aligned > 0) submit_staged(aligned);
    drain();
    rethrow_worker_error();
    write_buffered(std::span(buffers_[index]->data + aligned, staged - aligned));
    {
      std::lock_guard lock(mutex_);
      if (aligned == 0) free_.push_back(index);
    }
    filling_ = false;
    staged_ = 0;
  } else {
    if (filling_) {
      std::lock_guard lock(mutex_);
      free_.push_back(current_);
      filling_ = false;
    }
    drain();
  }
  rethrow_worker_error();
}

void FileWriter::sync() {
  flush();
  if (::fsync(buffered_.get()) != 0) io_failure("cannot sync the file", path_);
}

void FileWriter::write_buffered(std::span<const std::byte> bytes) {
  if (hasher_) hasher_->update(bytes);  // only ever with nothing queued: the order holds
  if (const int error = pwrite_all(buffered_.get(), bytes.data(), bytes.size(), written_); error != 0) {
    errno = error;
    io_failure("cannot write", path_);
  }
  written_ += bytes.size();
}

void FileWriter::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return jobs_.empty() && hash_jobs_.empty() && !busy_ && !hashing_; });
}

void FileWriter::hash_work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !hash_jobs_.empty() || stopping_; });
    if (stopping_) return;  // what is left is dropped, as the writer drops it
    const Job job = hash_jobs_.front();
    hash_jobs_.pop_front();
    hashing_ = true;
    const std::byte* data = buffers_[job.buffer]->data;
    lock.unlock();
    hasher_->update(std::span(data, job.bytes));
    lock.lock();
    hashing_ = false;
    jobs_.push_back(job);
    changed_.notify_all();
  }
}

void FileWriter::rethrow_worker_error() {
  int error;
  {
    std::lock_guard lock(mutex_);
    error = worker_errno_;
  }
  if (error == 0) return;
  errno = error;
  io_failure("cannot write", path_);
}

void FileWriter::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !jobs_.empty() || stopping_; });
    if (jobs_.empty()) return;
    const Job job = jobs_.front();
    jobs_.pop_front();
    if (worker_errno_ == 0) {  // after a failure nothing more is written: the file stays a prefix
      busy_ = true;
      const std::byte* data = buffers_[job.buffer]->data;
      lock.unlock();
      int error = pwrite_all(direct_.get(), data, job.bytes, job.offset);
      // A filesystem may accept O_DIRECT at open and refuse it at write.
      if (error == EINVAL) error = pwrite_all(buffered_.get(), data, job.bytes, job.offset);
      lock.lock();
      busy_ = false;
      worker_errno_ = error;
    }
    free_.push_back(job.buffer);
    changed_.notify_all();
  }
}

}  // namespace synfire::storage
