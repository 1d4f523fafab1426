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
#include <sys/file.h>
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
#include "file_writer.h"

namespace synfire::storage {
namespace {

namespace fs = std::filesystem;

void fsync_directory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) io_failure("cannot sync the folder", dir);
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
  FileBlobWriter(fs::path temp, fs::path blobs_root)
      : writer_(std::make_unique<FileWriter>(std::move(temp), /*create=*/true)), blobs_root_(std::move(blobs_root)) {}
  ~FileBlobWriter() override {
    if (!writer_) return;
    const fs::path temp = writer_->path();
    writer_.reset();
    std::error_code ignored;
    fs::remove(temp, ignored);
  }

  void append(std::span<const std::byte> bytes) override { writer_->append(bytes); }
  std::span<std::byte> reserve() override { return writer_->reserve(); }
  void commit_reserved(std::size_t bytes) override { writer_->commit_reserved(bytes); }
  std::uint64_t size() const override { return writer_ ? writer_->end() : committed_size_; }
  bool hash_into(crypto::Sha256& hasher) override {
    writer_->hash_into(&hasher);
    return true;
  }
  void finish_hashing() override { writer_->flush(); }

  void commit(const crypto::Digest& digest) override {
    writer_->sync();
    committed_size_ = writer_->end();
    const fs::path temp = writer_->path();
    const fs::path target = blobs_root_ / blob_key(digest);
    std::error_code error;
    fs::create_directories(target.parent_path(), error);
    if (error) io_failure("cannot create the blob folder", target.parent_path(), error.value());
    if (fs::exists(target, error)) return;  // stored already (content addressing makes the copies equal): the destructor drops this one
    if (::rename(temp.c_str(), target.c_str()) != 0) io_failure("cannot move the blob into place", target);
    writer_.reset();
    fsync_directory(target.parent_path());
  }

 private:
  std::unique_ptr<FileWriter> writer_;  // reset once the file is in place
  fs::path blobs_root_;
  std::uint64_t committed_size_ = 0;
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
    if (error) io_failure("cannot create the blob folders", root, error.value());
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
    if (error) io_failure("cannot create the upload session", dir, error.value());
    {
      std::ofstream owner_file(dir / "owner");
      owner_file << owner;
      owner_file.close();
      if (!owner_file) {
        const int cause = errno;
        fs::remove_all(dir, error);
        io_failure("cannot create the upload session", dir, cause);
      }
    }
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

  std::unique_ptr<UploadAppender> append_to_upload(const std::string& id, std::uint64_t offset) override {
    if (!is_session_id(id)) throw Failure("not_found", "no upload session " + id);
    const fs::path data = uploads_ / id / "data";
    UniqueFd lock(::open(data.c_str(), O_RDONLY | O_CLOEXEC));
    if (lock.get() < 0) {
      if (errno == ENOENT) throw Failure("not_found", "no upload session " + id);
      io_failure("cannot open the upload session", uploads_ / id);
    }
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
      throw Failure("range_mismatch", "another request is appending to upload session " + id + "; continue once it ends");
    struct stat info {};
    if (::fstat(lock.get(), &info) != 0) io_failure("cannot read the upload session", data);
    const auto current = static_cast<std::uint64_t>(info.st_size);
    if (offset != current)
      throw Failure("range_mismatch", "the upload continues at byte " + std::to_string(current) + ", not " +
                                          std::to_string(offset));
    return std::make_unique<Appender>(*this, id, std::move(lock), data, current);
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
    crypto::Sha256 hasher;
  };

  // Holds the session's lock (flock on its data file) while one request appends.
  class Appender final : public UploadAppender {
   public:
    Appender(FilesystemBlobStore& store, std::string id, UniqueFd lock, const fs::path& data, std::uint64_t offset)
        : store_(store), id_(std::move(id)), lock_(std::move(lock)), writer_(data, /*create=*/false, offset) {}
    ~Appender() override {
      if (finished_ || cancelled_) return;
      try {
        writer_.flush();  // a request cut short: keep what arrived, so that a resume sends less
      } catch (const Failure&) {
      }
    }
    void append(std::span<const std::byte> bytes) override {
      check_limit(bytes.size());
      store_.hash_appended(id_, writer_.end(), bytes);
      writer_.append(bytes);
    }
    std::span<std::byte> reserve() override { return reserved_ = writer_.reserve(); }
    void commit_reserved(std::size_t bytes) override {
      check_limit(bytes);
      store_.hash_appended(id_, writer_.end(), reserved_.first(bytes));
      writer_.commit_reserved(bytes);
      reserved_ = {};
    }
    std::uint64_t finish() override {
      writer_.flush();
      finished_ = true;
      return writer_.end();
    }

   private:
    void check_limit(std::size_t more) {
      if (writer_.end() + more <= kMaxBlobBytes) return;
      cancelled_ = true;
      store_.cancel_upload(id_);
      throw Failure("too_large", "the upload passed the limit of 2 GiB per file; the session is removed");
    }

    FilesystemBlobStore& store_;
    std::string id_;
    std::span<std::byte> reserved_;
    UniqueFd lock_;  // released after the writer has finished
    FileWriter writer_;
    bool finished_ = false;
    bool cancelled_ = false;
  };

  void hash_appended(const std::string& id, std::uint64_t start, std::span<const std::byte> bytes) {
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
    if (error) io_failure("cannot create the blob folder", target.parent_path(), error.value());
    if (fs::exists(target, error)) return actual;  // stored already; the session is removed
    if (::rename(data.c_str(), target.c_str()) != 0) io_failure("cannot move the blob into place", target);
    fsync_directory(target.parent_path());
    return actual;
  }

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
