#include "synfire/crypto/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>
#include <fstream>

#include "synfire/error.h"

namespace synfire::crypto {

struct Sha256::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  if (!state_->context || EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1)
    throw Failure("internal", "OpenSSL could not start a SHA-256 digest");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const std::byte> bytes) {
  if (!bytes.empty()) EVP_DigestUpdate(state_->context, bytes.data(), bytes.size());
}

void Sha256::update(std::string_view text) { update(std::as_bytes(std::span(text.data(), text.size()))); }

std::string Sha256::finish_hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, digest.data(), &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

// The worker thread hashes the full buffers in order; it ends itself after a second
// without work (an upload session waiting for its next chunk holds no thread and no
// buffers) and the next update starts another.
struct PipelinedSha256::State {
  static constexpr std::size_t kBuffers = 4;
  static constexpr std::size_t kBufferBytes = 1 << 20;
  static constexpr std::uint64_t kInPlaceBytes = 4 << 20;
  static constexpr std::chrono::seconds kIdle{1};

  Sha256 hasher;           // the producer's before pipelining starts, then the worker's
  std::uint64_t fed = 0;   // producer only
  bool pipelined = false;  // producer only
  std::thread worker;      // producer only

  std::mutex mutex;  // guards what follows
  std::condition_variable changed;
  std::vector<std::vector<std::byte>> buffers;
  std::vector<std::size_t> free;                         // indices of buffers to fill
  std::deque<std::pair<std::size_t, std::size_t>> full;  // (index, bytes) to hash, in order
  bool running = false;
  bool closing = false;

  void ensure_worker(std::unique_lock<std::mutex>& lock) {
    if (running) return;
    running = true;
    buffers.assign(kBuffers, std::vector<std::byte>(kBufferBytes));
    free.clear();
    for (std::size_t i = 0; i < kBuffers; ++i) free.push_back(i);
    lock.unlock();
    if (worker.joinable()) worker.join();  // an idle one that has returned
    worker = std::thread([this] { work(); });
    lock.lock();
  }

  void work() {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait_for(lock, kIdle, [&] { return !full.empty() || closing; });
      if (full.empty()) {
        // Closing, or idle with every buffer back (none is being filled): end.
        if (!closing && free.size() != buffers.size()) continue;
        buffers.clear();
        free.clear();
        running = false;
        changed.notify_all();
        return;
      }
      const auto next = full.front();
      full.pop_front();
      lock.unlock();
      hasher.update(std::span(buffers[next.first].data(), next.second));
      lock.lock();
      free.push_back(next.first);
      changed.notify_all();
    }
  }

  void hand_over(std::span<const std::byte> bytes) {
    std::unique_lock lock(mutex);
    ensure_worker(lock);
    changed.wait(lock, [&] { return !free.empty(); });
    const std::size_t index = free.back();
    free.pop_back();
    std::byte* target = buffers[index].data();
    lock.unlock();
    std::memcpy(target, bytes.data(), bytes.size());
    lock.lock();
    full.emplace_back(index, bytes.size());
    lock.unlock();
    changed.notify_all();
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      closing = true;
    }
    changed.notify_all();
    if (worker.joinable()) worker.join();
  }
};

PipelinedSha256::PipelinedSha256() : state_(std::make_unique<State>()) {}
PipelinedSha256::~PipelinedSha256() { state_->stop(); }

void PipelinedSha256::update(std::span<const std::byte> bytes) {
  State& s = *state_;
  if (!s.pipelined && s.fed + bytes.size() <= State::kInPlaceBytes) {
    s.hasher.update(bytes);
    s.fed += bytes.size();
    return;
  }
  s.pipelined = true;
  for (std::size_t at = 0; at < bytes.size(); at += State::kBufferBytes)
    s.hand_over(bytes.subspan(at, std::min(State::kBufferBytes, bytes.size() - at)));
  s.fed += bytes.size();
}

std::string PipelinedSha256::finish_hex() {
  state_->stop();
  return state_->hasher.finish_hex();
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hasher;
  hasher.update(bytes);
  return hasher.finish_hex();
}

std::string sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure("not_found", "cannot open the file", path);
  Sha256 hasher;
  std::array<char, 1 << 16> buffer;
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0)
    hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  if (in.bad()) throw Failure("io_error", "cannot read the file", path);
  return hasher.finish_hex();
}

bool Digest::is_hex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<Digest> Digest::parse(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const std::string_view hex = text.substr(kPrefix.size());
  if (!is_hex(hex)) return std::nullopt;
  return Digest{std::string(hex)};
}

}  // namespace synfire::crypto
