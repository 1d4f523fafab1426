#pragma once
// libcurl, loaded with dlopen when the first HTTP session starts. Linked in, its
// dependency tree (GnuTLS, Kerberos, LDAP, RTMP ...: 38 libraries) would be loaded
// and initialized on every run of the CLI: ~3 ms at start-up, more than
// `synfire inspect` of a small file takes in all.

#include <curl/curl.h>

namespace synfire::client {

struct CurlLibrary {
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_easy_escape) easy_escape;
  decltype(&::curl_free) free;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
};

// Loads and initializes libcurl once (thread-safe); throws ClientFailure("internal")
// naming what is missing.
const CurlLibrary& curl_library();

}  // namespace synfire::client
