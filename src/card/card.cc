#include "synfire/card/card.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "synfire/error.h"

namespace synfire::card {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCapabilityLength = 64;
constexpr std::size_t kMaxDescriptionLength = 10'000;
constexpr std::size_t kMaxTags = 50;
constexpr std::size_t kMaxTagLength = 50;
constexpr std::size_t kMaxLinkKeyLength = 64;

const std::set<std::string> kKnownFields = {"license", "capabilities", "tested_platforms", "description",
                                            "tags", "authors", "links"};

// Unicode code points of valid UTF-8 (the JSON parser has checked it).
std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A value quoted in a message, cut short so that messages stay one readable line.
std::string quoted(const std::string& value) {
  constexpr std::size_t kMax = 80;
  if (value.size() <= kMax) return "'" + value + "'";
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return "'" + value.substr(0, cut) + "...'";
}

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_tag(const std::string& tag) {
  const std::string t = lower(tag);
  if (t.empty() || t.size() > kMaxTagLength) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(t[0])) return false;
  return std::all_of(t.begin() + 1, t.end(), [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_email(const std::string& email) {
  const auto at = email.find('@');
  return at != std::string::npos && email.find('@', at + 1) == std::string::npos && at > 0 &&
         at + 1 < email.size();
}

bool has_whitespace(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// scheme http/https, "://", a non-empty host, optional :port, then path/query/fragment.
bool is_url(const std::string& url) {
  std::string_view rest;
  if (lower(url.substr(0, 7)) == "http://") rest = std::string_view(url).substr(7);
  else if (lower(url.substr(0, 8)) == "https://") rest = std::string_view(url).substr(8);
  else return false;
  if (has_whitespace(rest)) return false;
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string_view host = authority;
  if (const auto colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) || port.size() > 5)
      return false;
    host = authority.substr(0, colon);
  }
  return !host.empty();
}

class Validator {
 public:
  Result run(std::string_view bytes) {
    if (bytes.size() > kMaxCardBytes) {
      error("", "too_large", "the card is " + std::to_string(bytes.size()) + " bytes; at most 1 MiB (1,048,576) is allowed");
      return finish();
    }
    try {
      card_ = json::parse(bytes.begin(), bytes.end());
    } catch (const json::exception& e) {
      error("", "invalid_json", std::string("not valid JSON: ") + e.what());
      return finish();
    }
    if (!card_.is_object()) {
      error("", "not_object", "the card must be a JSON object, not " + std::string(card_.type_name()));
      return finish();
    }
    check_license();
    check_capabilities();
    check_platforms();
    check_description();
    check_tags();
    check_authors();
    check_links();
    for (const auto& [key, value] : card_.items())
      if (!kKnownFields.count(key))
        warning("/" + escape_pointer_token(key), "unknown_field", "unknown field '" + key + "' is kept as it is");
    return finish();
  }

 private:
  json card_;
  Result result_;

  void error(std::string pointer, std::string code, std::string message) {
    result_.errors.push_back({std::move(pointer), std::move(code), std::move(message)});
  }
  void warning(std::string pointer, std::string code, std::string message) {
    result_.warnings.push_back({std::move(pointer), std::move(code), std::move(message)});
  }

  // The value of an optional field, or nullptr when absent or null.
  const json* field(const json& object, const std::string& key) {
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  bool expect(const json& value, json::value_t type, const std::string& pointer, const char* what) {
    const bool ok = type == json::value_t::string ? value.is_string()
                    : type == json::value_t::array ? value.is_array()
                                                   : value.is_object();
    if (!ok) error(pointer, "wrong_type", std::string("must be ") + what + ", not " + value.type_name());
    return ok;
  }

  void optional_string(const json& object, const std::string& key, const std::string& pointer) {
    if (const json* value = field(object, key)) expect(*value, json::value_t::string, pointer, "a string");
  }

  void check_license() {
    const json* license = field(card_, "license");
    if (!license) return error("/license", "required", "a license is required: an SPDX id or expression such as \"MIT\"");
    if (!expect(*license, json::value_t::string, "/license", "a string")) return;
    const LicenseCheck check = card::check_license(license->get<std::string>());
    if (!check.valid) return error("/license", "invalid_license", check.message);
    result_.license = check.canonical;
    card_["license"] = check.canonical;
    for (const auto& id : check.deprecated) {
      const std::string advice = deprecated_license_advice(id);
      warning("/license", "deprecated_license",
              "'" + id + "' is a deprecated SPDX id; " +
                  (advice.empty() ? "prefer its current form (spdx.org/licenses)" : "write " + advice + " instead"));
    }
  }

  void check_capabilities() {
    json* list = card_.contains("capabilities") && !card_["capabilities"].is_null() ? &card_["capabilities"] : nullptr;
    if (!list || !expect(*list, json::value_t::array, "/capabilities", "an array of strings")) return;
    json unique = json::array();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      const std::string pointer = "/capabilities/" + std::to_string(i);
      if (item.is_null()) continue;
      if (!expect(item, json::value_t::string, pointer, "a string")) continue;
      const std::string value = item.get<std::string>();
      const std::size_t length = code_points(value);
      if (length == 0) error(pointer, "invalid_value", "a capability cannot be empty");
      else if (length > kMaxCapabilityLength) error(pointer, "too_long", "a capability has at most 64 characters");
      else if (seen.insert(lower(value)).second) unique.push_back(value);
    }
    *list = unique;
  }

  void check_platforms() {
    const json* list = field(card_, "tested_platforms");
    if (!list || !expect(*list, json::value_t::array, "/tested_platforms", "an array of objects")) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      const std::string pointer = "/tested_platforms/" + std::to_string(i);
      if (item.is_null() || !expect(item, json::value_t::object, pointer, "an object")) continue;
      if (const json* name = field(item, "name"))
        expect(*name, json::value_t::string, pointer + "/name", "a string");
      else
        error(pointer + "/name", "required", "a tested platform needs a name");
      optional_string(item, "framework", pointer + "/framework");
      optional_string(item, "version", pointer + "/version");
      if (const json* type = field(item, "type")) {
        if (!type->is_string() || (*type != "hardware" && *type != "simulation"))
          error(pointer + "/type", "invalid_value", "type must be \"hardware\" or \"simulation\"");
      }
    }
  }

  void check_description() {
    const json* description = field(card_, "description");
    if (!description || !expect(*description, json::value_t::string, "/description", "a string")) return;
    if (code_points(description->get<std::string>()) > kMaxDescriptionLength)
      error("/description", "too_long", "the description has at most 10,000 characters");
  }

  void check_tags() {
    const json* list = field(card_, "tags");
    if (!list || !expect(*list, json::value_t::array, "/tags", "an array of strings")) return;
    if (list->size() > kMaxTags) error("/tags", "too_many", "at most 50 tags are allowed, not " + std::to_string(list->size()));
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      const std::string pointer = "/tags/" + std::to_string(i);
      if (item.is_null() || !expect(item, json::value_t::string, pointer, "a string")) continue;
      if (!is_tag(item.get<std::string>()))
        error(pointer, "invalid_tag",
              quoted(item.get<std::string>()) + " is not a tag: 1-50 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
    }
  }

  void check_authors() {
    const json* list = field(card_, "authors");
    if (!list || !expect(*list, json::value_t::array, "/authors", "an array of objects")) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      const std::string pointer = "/authors/" + std::to_string(i);
      if (item.is_null() || !expect(item, json::value_t::object, pointer, "an object")) continue;
      if (const json* name = field(item, "name"))
        expect(*name, json::value_t::string, pointer + "/name", "a string");
      else
        error(pointer + "/name", "required", "an author needs a name");
      if (const json* email = field(item, "email"))
        if (expect(*email, json::value_t::string, pointer + "/email", "a string") && !is_email(email->get<std::string>()))
          error(pointer + "/email", "invalid_email",
                quoted(email->get<std::string>()) + " is not an email address: it needs one '@' with text on both sides");
      optional_string(item, "affiliation", pointer + "/affiliation");
      if (const json* url = field(item, "url"))
        if (expect(*url, json::value_t::string, pointer + "/url", "a string") && !is_url(url->get<std::string>()))
          error(pointer + "/url", "invalid_url",
                quoted(url->get<std::string>()) + " is not a URL: it must start with http:// or https:// and a host");
    }
  }

  void check_links() {
    const json* links = field(card_, "links");
    if (!links || !expect(*links, json::value_t::object, "/links", "an object of URLs")) return;
    for (const auto& [key, value] : links->items()) {
      const std::string pointer = "/links/" + escape_pointer_token(key);
      const std::size_t length = code_points(key);
      if (length == 0) error(pointer, "invalid_value", "a link name cannot be empty");
      else if (length > kMaxLinkKeyLength) error(pointer, "too_long", "a link name has at most 64 characters");
      if (value.is_null() || !expect(value, json::value_t::string, pointer, "a URL string")) continue;
      if (!is_url(value.get<std::string>()))
        error(pointer, "invalid_url",
              quoted(value.get<std::string>()) + " is not a URL: it must start with http:// or https:// and a host, without spaces");
    }
  }

  Result finish() {
    auto by_pointer = [](const Issue& a, const Issue& b) {
      return std::tie(a.pointer, a.code) < std::tie(b.pointer, b.code);
    };
    std::sort(result_.errors.begin(), result_.errors.end(), by_pointer);
    std::sort(result_.warnings.begin(), result_.warnings.end(), by_pointer);
    result_.valid = result_.errors.empty();
    if (result_.valid) result_.normalized_json = card_.dump();
    else result_.license.reset();
    return std::move(result_);
  }
};

}  // namespace

Result validate(std::string_view bytes) { return Validator().run(bytes); }

Result validate_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure("not_found", "cannot open the card file", path);
  std::string bytes;
  bytes.resize(kMaxCardBytes + 1);  // read one byte past the limit to detect too_large
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.size() > kMaxCardBytes) {
    in.seekg(0, std::ios::end);
    Result result;
    result.errors.push_back({"", "too_large", "the card is " + std::to_string(static_cast<long long>(in.tellg())) +
                                                  " bytes; at most 1 MiB (1,048,576) is allowed"});
    return result;
  }
  return validate(bytes);
}

}  // namespace synfire::card
