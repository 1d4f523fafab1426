// The filesystem blob driver:
//
//   ROOT/
//     blobs/sha256/ab/cd/abcd...   finished blobs (read-only once renamed into place)
//     tmp/write-<random>           writes in progress: written, fsynced, renamed
//     uploads/<id>/data            upload sessions: the bytes received so far
//     uploads/<id>/owner           ... and who started it
//
// A blob appears atomically (rename) and only after its bytes are on disk (fsync of
// the file, then of its folder), so a crash leaves either the whole blob or a temp file
// that purge_incomplete() removes.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <utility>

#include "synfire/crypto/sha256.h"
#include "synfire/error.h"
#include "synfire/storage/blob_store.h"

namespace synfire::storage {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void io_failure(const std::string& what, const fs::path& path) {
  throw Failure("io_error", what + ": " + std::strerror(errno), path.string());
}

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
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

void fsync_directory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) io_failure("cannot sync the folder", dir);
}

void write_all(int fd, std::span<const std::byte> bytes, const fs::path& path) {
  const std::byte* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      io_failure("cannot write", path);
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
}

std::string random_name() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "write-";
  for (int i = 0; i < 24; ++i) name += kHex[rng() & 0xF];
  return name;
}

class FileBlobWriter final : public BlobWriter {
 public:
  FileBlobWriter(fs::path temp, fs::path blobs_root) : temp_(std::move(temp)), blobs_root_(std::move(blobs_root)) {
    fd_ = UniqueFd(::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd_.get() < 0) io_failure("cannot create a temporary file", temp_);
  }
  ~FileBlobWriter() override {
    if (!committed_) {
      fd_.reset();
      std::error_code ignored;
      fs::remove(temp_, ignored);
    }
  }

  void append(std::span<const std::byte> bytes) override {
    write_all(fd_.get(), bytes, temp_);
    size_ += bytes.size();
    // Start writing back what is written while more arrives, so that the fsync in
    // commit() has little left to wait for (the disk works alongside the network).
    if (size_ - flushed_ >= kWritebackBytes) {
      ::sync_file_range(fd_.get(), static_cast<off_t>(flushed_), static_cast<off_t>(size_ - flushed_),
                        SYNC_FILE_RANGE_WRITE);
      flushed_ = size_;
    }
  }

  std::uint64_t size() const override { return size_; }

  void commit(const crypto::Digest& digest) override {
    if (::fsync(fd_.get()) != 0) io_failure("cannot sync the blob", temp_);
    fd_.reset();
    const fs::path target = blobs_root_ / blob_key(digest);
    std::error_code error;
    fs::create_directories(target.parent_path(), error);
    if (error) throw Failure("io_error", "cannot create the blob folder: " + error.message(), target.parent_path());
    if (fs::exists(target, error)) {  // stored already: content addressing makes the copies equal
      fs::remove(temp_, error);
      committed_ = true;
      return;
    }
    if (::rename(temp_.c_str(), target.c_str()) != 0) io_failure("cannot move the blob into place", target);
    committed_ = true;
    fsync_directory(target.parent_path());
  }

 private:
  fs::path temp_;
  fs::path blobs_root_;
  static constexpr std::uint64_t kWritebackBytes = 8 << 20;
  UniqueFd fd_;
  std::uint64_t size_ = 0;
  std::uint64_t flushed_ = 0;  // bytes handed to writeback
  bool committed_ = false;
};

class FileBlobReader final : public BlobReader {
 public:
  explicit FileBlobReader(UniqueFd fd) : fd_(std::move(fd)) {}
  std::size_t read(std::span<std::byte> buffer) override {
    while (true) {
      const ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw Failure("io_error", std::string("cannot read the blob: ") + std::strerror(errno));
    }
  }

 private:
  UniqueFd fd_;
};

class FilesystemBlobStore final : public BlobStore {
 public:
  explicit FilesystemBlobStore(const fs::path& root)
      : blobs_(root / "blobs"), tmp_(root / "tmp"), uploads_(root / "uploads") {
    std::error_code error;
    fs::create_directories(blobs_ / "sha256", error);
    fs::create_directories(tmp_, error);
    fs::create_directories(uploads_, error);
    if (error) throw Failure("io_error", "cannot create the blob folders: " + error.message(), root.string());
  }

  std::optional<std::uint64_t> size(const crypto::Digest& digest) override {
    struct stat info {};
    if (::stat(path_of(digest).c_str(), &info) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(info.st_size);
  }

  std::unique_ptr<BlobWriter> begin_write() override {
    return std::make_unique<FileBlobWriter>(tmp_ / random_name(), blobs_);
  }

  std::unique_ptr<BlobReader> open(const crypto::Digest& digest, std::uint64_t offset) override {
    UniqueFd fd(::open(path_of(digest).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) return nullptr;
      io_failure("cannot open the blob", path_of(digest));
    }
    if (offset > 0 && ::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0)
      io_failure("cannot seek in the blob", path_of(digest));
    return std::make_unique<FileBlobReader>(std::move(fd));
  }

  bool remove(const crypto::Digest& digest) override {
    std::error_code error;
    return fs::remove(path_of(digest), error);
  }

  std::vector<crypto::Digest> list() override {
    std::vector<crypto::Digest> digests;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(blobs_ / "sha256", error); it != fs::recursive_directory_iterator();
         it.increment(error)) {
      if (error) break;
      const std::string name = it->path().filename().string();
      if (it->is_regular_file() && crypto::Digest::is_hex(name)) digests.push_back({name});
    }
    return digests;
  }

  std::optional<std::int64_t> touched_at(const crypto::Digest& digest) override {
    struct stat info {};
    if (::stat(path_of(digest).c_str(), &info) != 0) return std::nullopt;
    return static_cast<std::int64_t>(info.st_mtime);
  }

  bool touch(const crypto::Digest& digest) override {
    return ::utimensat(AT_FDCWD, path_of(digest).c_str(), nullptr, 0) == 0;
  }

  std::optional<std::filesystem::path> local_path(const crypto::Digest& digest) override {
    fs::path path = path_of(digest);
    std::error_code error;
    if (!fs::is_regular_file(path, error)) return std::nullopt;
    return path;
  }

  UploadSession start_upload(const std::string& owner) override {
    const std::string id = random_name().substr(6);
    const fs::path dir = uploads_ / id;
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) throw Failure("io_error", "cannot create the upload session: " + error.message(), dir);
    std::ofstream(dir / "owner") << owner;
    UniqueFd data(::open((dir / "data").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (data.get() < 0) io_failure("cannot create the upload session", dir);
    return {id, owner, 0, now_seconds()};
  }

  std::optional<UploadSession> find_upload(const std::string& id) override {
    if (!is_session_id(id)) return std::nullopt;
    const fs::path dir = uploads_ / id;
    struct stat info {};
    if (::stat((dir / "data").c_str(), &info) != 0) return std::nullopt;
    std::ifstream owner_file(dir / "owner");
    std::string owner;
    std::getline(owner_file, owner);
    return UploadSession{id, owner, static_cast<std::uint64_t>(info.st_size), static_cast<std::int64_t>(info.st_mtime)};
  }

  std::uint64_t append_upload(const std::string& id, std::uint64_t offset, std::span<const std::byte> bytes) override {
    const auto session = find_upload(id);
    if (!session) throw Failure("not_found", "no upload session " + id);
    if (offset != session->offset)
      throw Failure("range_mismatch", "the upload continues at byte " + std::to_string(session->offset) + ", not " +
                                          std::to_string(offset));
    if (session->offset + bytes.size() > kMaxBlobBytes) {
      cancel_upload(id);
      throw Failure("too_large", "the upload passed the limit of 2 GiB per file; the session is removed");
    }
    UniqueFd fd(::open((uploads_ / id / "data").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    if (fd.get() < 0) io_failure("cannot open the upload session", uploads_ / id);
    write_all(fd.get(), bytes, uploads_ / id);
    hash_appended(id, session->offset, bytes, fd.get());
    return session->offset + bytes.size();
  }

  crypto::Digest complete_upload(const std::string& id, const std::optional<crypto::Digest>& expected) override {
    const auto session = find_upload(id);
    if (!session) throw Failure("not_found", "no upload session " + id);
    struct Cleanup {
      FilesystemBlobStore& store;
      const std::string& id;
      ~Cleanup() { store.cancel_upload(id); }
    } cleanup{*this, id};
    if (auto running = take_running_hash(id); running && running->offset == session->offset)
      return move_into_place(id, running->hasher.finish_hex(), expected);
    UniqueFd fd(::open((uploads_ / id / "data").c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) io_failure("cannot read the upload session", uploads_ / id);
    BlobIngest ingest(*this, expected);
    FileBlobReader reader(std::move(fd));
    std::vector<std::byte> buffer(1 << 20);
    for (std::size_t n; (n = reader.read(buffer)) > 0;) ingest.append(std::span(buffer.data(), n));
    return ingest.finish();
  }

  bool cancel_upload(const std::string& id) override {
    if (!is_session_id(id)) return false;
    forget_running_hash(id);
    std::error_code error;
    return fs::remove_all(uploads_ / id, error) > 0;
  }

  std::size_t purge_uploads(std::chrono::seconds age) override {
    std::size_t removed = 0;
    std::error_code error;
    const auto cutoff = fs::file_time_type::clock::now() - age;
    for (const auto& entry : fs::directory_iterator(uploads_, error)) {
      if (fs::last_write_time(entry.path() / "data", error) <= cutoff && fs::remove_all(entry.path(), error) > 0) {
        forget_running_hash(entry.path().filename().string());
        ++removed;
      }
    }
    return removed;
  }

  std::size_t purge_incomplete(std::chrono::seconds age) override {
    std::size_t removed = 0;
    std::error_code error;
    const auto cutoff = fs::file_time_type::clock::now() - age;
    for (const auto& entry : fs::directory_iterator(tmp_, error)) {
      if (entry.last_write_time(error) <= cutoff && fs::remove(entry.path(), error)) ++removed;
    }
    return removed;
  }

 private:
  // The SHA-256 of a session's bytes, kept while its chunks arrive in order in this
  // process, so that completing it needs neither a second read nor a copy. After a
  // restart (or chunks out of order) the session is read again instead.
  struct RunningHash {
    std::mutex mutex;
    std::uint64_t offset = 0;   // bytes hashed
    std::uint64_t flushed = 0;  // bytes handed to writeback
    crypto::PipelinedSha256 hasher;  // on a thread of its own while chunks arrive
  };

  void hash_appended(const std::string& id, std::uint64_t start, std::span<const std::byte> bytes, int fd) {
    std::shared_ptr<RunningHash> running;
    {
      std::lock_guard lock(running_mutex_);
      auto it = running_.find(id);
      if (it == running_.end() && start == 0) it = running_.emplace(id, std::make_shared<RunningHash>()).first;
      if (it == running_.end()) return;
      running = it->second;
    }
    std::lock_guard lock(running->mutex);
    if (running->offset != start) {  // out of order: fall back to reading the session at the end
      std::lock_guard map_lock(running_mutex_);
      running_.erase(id);
      return;
    }
    running->hasher.update(bytes);
    running->offset += bytes.size();
    if (running->offset - running->flushed >= kWritebackBytes) {  // as FileBlobWriter: disk works alongside
      ::sync_file_range(fd, static_cast<off_t>(running->flushed), static_cast<off_t>(running->offset - running->flushed),
                        SYNC_FILE_RANGE_WRITE);
      running->flushed = running->offset;
    }
  }

  std::shared_ptr<RunningHash> take_running_hash(const std::string& id) {
    std::lock_guard lock(running_mutex_);
    auto it = running_.find(id);
    if (it == running_.end()) return nullptr;
    auto running = std::move(it->second);
    running_.erase(it);
    std::lock_guard entry_lock(running->mutex);  // no append is halfway
    return running;
  }

  void forget_running_hash(const std::string& id) {
    std::lock_guard lock(running_mutex_);
    running_.erase(id);
  }

  // The session's data file becomes the blob: synced, then renamed into place.
  crypto::Digest move_into_place(const std::string& id, std::string hex, const std::optional<crypto::Digest>& expected) {
    const crypto::Digest actual{std::move(hex)};
    if (expected && actual != *expected)
      throw Failure("digest_mismatch", "the bytes received hash to " + actual.to_string() + ", not " + expected->to_string());
    const fs::path data = uploads_ / id / "data";
    {
      UniqueFd fd(::open(data.c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.get() < 0 || ::fsync(fd.get()) != 0) io_failure("cannot sync the upload session", data);
    }
    const fs::path target = path_of(actual);
    std::error_code error;
    fs::create_directories(target.parent_path(), error);
    if (error) throw Failure("io_error", "cannot create the blob folder: " + error.message(), target.parent_path());
    if (fs::exists(target, error)) return actual;  // stored already; the session is removed
    if (::rename(data.c_str(), target.c_str()) != 0) io_failure("cannot move the blob into place", target);
    fsync_directory(target.parent_path());
    return actual;
  }

  static constexpr std::uint64_t kWritebackBytes = 8 << 20;
  std::mutex running_mutex_;
  std::map<std::string, std::shared_ptr<RunningHash>> running_;

  fs::path blobs_;
  fs::path tmp_;
  fs::path uploads_;

  // Session ids are made here (24 hex digits); anything else is never a path.
  static bool is_session_id(const std::string& id) {
    return id.size() == 24 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
  }

  static std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  fs::path path_of(const crypto::Digest& digest) const { return blobs_ / blob_key(digest); }
};

}  // namespace

std::unique_ptr<BlobStore> open_filesystem_blob_store(const std::filesystem::path& root) {
  return std::make_unique<FilesystemBlobStore>(root);
}

}  // namespace synfire::storage
