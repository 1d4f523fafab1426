#pragma once
// Streaming SHA-256 (OpenSSL EVP) and the "sha256:<hex>" digests Synfire names blobs by.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace synfire::crypto {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::span<const std::byte> bytes);
  void update(std::string_view text);
  // Lower-case hex of the digest; the hasher cannot be updated afterwards.
  std::string finish_hex();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256_hex(std::string_view bytes);
// SHA-256 of a file's bytes, read in chunks; throws synfire::Failure if unreadable.
std::string sha256_file_hex(const std::string& path);

// A blob digest: "sha256:" followed by 64 lower-case hex digits.
struct Digest {
  std::string hex;  // 64 lower-case hex digits

  // Accepts "sha256:<hex>"; nullopt for anything else (upper case included).
  static std::optional<Digest> parse(std::string_view text);
  static bool is_hex(std::string_view hex);
  std::string to_string() const { return "sha256:" + hex; }
  friend bool operator==(const Digest&, const Digest&) = default;
};

}  // namespace synfire::crypto
