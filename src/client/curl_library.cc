#include "curl_library.h"

#include <dlfcn.h>

#include <string>
#include <type_traits>

#include "synfire/client/client.h"

namespace synfire::client {
namespace {

constexpr const char* kLibrary = "libcurl.so.4";

CurlLibrary load() {
  void* library = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);  // never closed: it serves the whole process
  if (!library) throw ClientFailure("internal", std::string("cannot load libcurl: ") + ::dlerror());
  auto symbol = [&](auto& function, const char* name) {
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(::dlsym(library, name));
    if (!function) throw ClientFailure("internal", std::string(kLibrary) + " has no " + name);
  };
  CurlLibrary curl{};
  symbol(curl.easy_init, "curl_easy_init");
  symbol(curl.easy_cleanup, "curl_easy_cleanup");
  symbol(curl.easy_reset, "curl_easy_reset");
  symbol(curl.easy_setopt, "curl_easy_setopt");
  symbol(curl.easy_getinfo, "curl_easy_getinfo");
  symbol(curl.easy_perform, "curl_easy_perform");
  symbol(curl.easy_strerror, "curl_easy_strerror");
  symbol(curl.easy_escape, "curl_easy_escape");
  symbol(curl.free, "curl_free");
  symbol(curl.slist_append, "curl_slist_append");
  symbol(curl.slist_free_all, "curl_slist_free_all");
  decltype(&::curl_global_init) global_init = nullptr;
  symbol(global_init, "curl_global_init");
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw ClientFailure("internal", "libcurl could not start");
  return curl;
}

}  // namespace

const CurlLibrary& curl_library() {
  static const CurlLibrary library = load();  // a failed load is tried again next time
  return library;
}

}  // namespace synfire::client
