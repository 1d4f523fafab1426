// synfire-server: the registry over HTTP, on the embedded default (SQLite + a folder).
//   synfire-server [--data DIR] [--listen HOST:PORT]        serve
//   synfire-server user add NAME [--admin]                  password from stdin
//   synfire-server token create NAME [--scope read|write|admin]

#include <CLI/CLI.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "api/api.h"
#include <boost/asio/ip/address.hpp>

#include "demo.h"
#include "synfire/storage/backup.h"
#include "observability.h"
#include "net/server.h"
#include "synfire/error.h"
#include "synfire/registry/registry.h"
#include "synfire/version.h"

namespace {

// The `synfire` CLI beside this binary reads uploaded models in a child process.
std::string default_worker(const char* argv0) {
  std::error_code error;
  auto self = std::filesystem::canonical("/proc/self/exe", error);
  if (error) self = argv0;
  return (self.parent_path() / "synfire").string();
}

struct Stores {
  std::unique_ptr<synfire::storage::MetadataStore> metadata;
  std::unique_ptr<synfire::storage::BlobStore> blobs;
  std::unique_ptr<synfire::registry::ModelChecker> checker;
  std::unique_ptr<synfire::registry::Registry> registry;

  Stores(const std::string& data, const std::string& worker, int check_timeout) {
    std::filesystem::create_directories(data);
    metadata = synfire::storage::open_sqlite_metadata_store(data + "/synfire.sqlite");
    blobs = synfire::storage::open_filesystem_blob_store(data);
    checker = synfire::registry::make_process_model_checker(worker, {.cpu_seconds = std::max(1, check_timeout / 2),
                                                                     .wall_seconds = check_timeout});
    registry = std::make_unique<synfire::registry::Registry>(*metadata, *blobs, *checker);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"synfire-server: the Synfire registry for NIR models", "synfire-server"};
  app.set_version_flag("--version", std::string("synfire-server ") + synfire::kVersion);
  // Every setting: a flag, else its SYNFIRE_* variable, else the --config file (TOML
  // key = value, e.g. `listen = "0.0.0.0:8080"`), else the default.
  app.set_config("--config", "", "read settings from this TOML file (keys as the long flags)");
  std::string data = "./data", listen = "127.0.0.1:8080", worker = default_worker(argv[0]);
  app.add_option("--data", data, "data folder: SQLite database and blobs")->envname("SYNFIRE_DATA");
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free one")->envname("SYNFIRE_LISTEN");
  app.add_option("--worker", worker, "the synfire CLI used to read uploaded models")->envname("SYNFIRE_WORKER");
  int threads = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  app.add_option("--threads", threads, "threads serving requests")->check(CLI::PositiveNumber)->envname("SYNFIRE_THREADS");
  int check_timeout = 120;
  app.add_option("--check-timeout", check_timeout,
                 "seconds an uploaded model may take to be read (half of it CPU) before the commit fails")
      ->check(CLI::PositiveNumber)->envname("SYNFIRE_CHECK_TIMEOUT");
  std::vector<std::string> trusted_proxies;
  app.add_option("--trusted-proxy", trusted_proxies,
                 "address of a reverse proxy in front of this server (repeatable): from it, the client is the "
                 "address X-Forwarded-For names")
      ->delimiter(',')
      ->envname("SYNFIRE_TRUSTED_PROXY");
  int blocking_threads = 8;
  app.add_option("--blocking-threads", blocking_threads, "threads for release commits and finishing uploads")
      ->check(CLI::PositiveNumber)->envname("SYNFIRE_BLOCKING_THREADS");
  bool no_demo = false;
  app.add_flag("--no-demo", no_demo, "do not publish the demo models in a new data folder")->envname("SYNFIRE_NO_DEMO");
  bool no_signup = false;
  app.add_flag("--no-signup", no_signup, "refuse POST /api/v1/users (accounts made with `user add`)")
      ->envname("SYNFIRE_NO_SIGNUP");
  int idle_timeout = 60;
  app.add_option("--idle-timeout", idle_timeout, "seconds a client may stay silent before it is disconnected")
      ->check(CLI::PositiveNumber)->envname("SYNFIRE_IDLE_TIMEOUT");

  auto* user_cmd = app.add_subcommand("user", "manage users")->require_subcommand(1);
  std::string user_name;
  bool admin = false;
  auto* user_add = user_cmd->add_subcommand("add", "add a user (password on stdin)");
  user_add->add_option("NAME", user_name)->required();
  user_add->add_flag("--admin", admin, "make the user an administrator");

  auto* token_cmd = app.add_subcommand("token", "manage tokens")->require_subcommand(1);
  std::string token_user, scope_name = "write";
  auto* token_create = token_cmd->add_subcommand("create", "create a token for a user and print it");
  token_create->add_option("NAME", token_user)->required();
  token_create->add_option("--scope", scope_name, "read, write or admin")->check(CLI::IsMember({"read", "write", "admin"}));

  auto* gc_cmd = app.add_subcommand("gc", "remove unreferenced blobs and abandoned uploads");
  int grace_hours = 24;
  gc_cmd->add_option("--grace-hours", grace_hours, "keep what was used within this many hours")->check(CLI::NonNegativeNumber);

  auto* verify_cmd = app.add_subcommand("verify", "read every blob a release references and check its SHA-256 "
                                                   "(exit 1 when one is missing or damaged)");

  auto* backup_cmd = app.add_subcommand("backup", "copy the database (a consistent snapshot) and every blob into a new "
                                                   "folder that a server can run on: --data FOLDER (safe while serving)");
  std::string backup_folder;
  bool backup_link = false;
  backup_cmd->add_option("FOLDER", backup_folder, "a new or empty folder")->required();
  backup_cmd->add_flag("--link", backup_link, "hard-link blobs instead of copying them (same file system only)");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*backup_cmd) {  // before Stores: it must not create a database that is not there
      const auto started = std::chrono::steady_clock::now();
      const auto report = synfire::storage::back_up_embedded(data, backup_folder, backup_link);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::cout << "backed up the database (" << report.database_bytes << " bytes) and " << report.blobs << " blob(s) ("
                << report.blob_bytes << " bytes) to " << backup_folder << " in " << static_cast<int>(seconds * 1000)
                << " ms; serve it with: synfire-server --data " << backup_folder << "\n";
      return 0;
    }
    Stores stores(data, worker, check_timeout);
    auto& registry = *stores.registry;
    if (*user_add) {
      std::string password;
      std::getline(std::cin, password);
      registry.sign_up(user_name, password, admin);
      std::cout << "user " << user_name << " added\n";
      return 0;
    }
    if (*token_create) {
      const auto user = stores.metadata->find_user(token_user);
      if (!user) throw synfire::Failure("not_found", "no user '" + token_user + "'");
      synfire::registry::Caller caller{user, synfire::storage::Scope::admin};
      std::cout << registry.create_token(caller, "cli", *synfire::storage::scope_from_name(scope_name), std::nullopt).secret << "\n";
      return 0;
    }
    if (*verify_cmd) {
      const auto started = std::chrono::steady_clock::now();
      const auto report = registry.verify_blobs();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (const auto& digest : report.missing) std::cout << "missing  " << digest << "\n";
      for (const auto& [digest, actual] : report.damaged) std::cout << "damaged  " << digest << " (its bytes hash to " << actual << ")\n";
      std::cout << "checked " << report.blobs_checked << " blob(s), " << report.bytes_read << " bytes in "
                << static_cast<int>(seconds * 1000) << " ms: " << report.missing.size() << " missing, "
                << report.damaged.size() << " damaged\n";
      return report.missing.empty() && report.damaged.empty() ? 0 : 1;
    }
    if (*gc_cmd) {
      const auto report = registry.collect_garbage(std::chrono::hours(grace_hours));
      std::cout << "removed " << report.blobs_removed << " unreferenced blob(s), " << report.uploads_removed
                << " abandoned upload session(s), " << report.temporaries_removed << " temporary file(s)\n";
      return 0;
    }
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw synfire::Failure("invalid_request", "--listen takes HOST:PORT, not '" + listen + "'");
    synfire::server::ServerOptions options;
    options.host = listen.substr(0, colon);
    options.port = static_cast<std::uint16_t>(std::stoi(listen.substr(colon + 1)));
    options.idle_timeout_seconds = idle_timeout;
    options.threads = threads;
    options.blocking_threads = blocking_threads;
    for (const auto& proxy : trusted_proxies) {
      boost::system::error_code bad;
      const auto address = boost::asio::ip::make_address(proxy, bad);
      if (bad) throw synfire::Failure("invalid_request", "--trusted-proxy takes an IP address, not '" + proxy + "'");
      options.trusted_proxies.push_back(address.to_string());
    }
    if (!no_demo) synfire::server::publish_demo_models(registry, *stores.metadata, *stores.blobs);
    synfire::server::Api api(registry, *stores.blobs, *stores.metadata);
    api.signup_open = !no_signup;
    synfire::server::Observability observability;
    api.metrics_text = [&observability] { return observability.metrics_text(); };
    static std::string host, data_folder, server_program, cli_program;
    host = options.host;
    data_folder = data;
    server_program = argv[0];
    cli_program = std::filesystem::exists(worker) ? worker : "synfire";
    // The collector runs hourly beside the server, with a day of grace.
    std::jthread collector([&registry](std::stop_token stop) {
      std::mutex mutex;
      std::condition_variable_any wake;
      while (true) {
        std::unique_lock lock(mutex);
        if (wake.wait_for(lock, stop, std::chrono::hours(1), [] { return false; }) || stop.stop_requested()) return;
        try {
          registry.collect_garbage(std::chrono::hours(24));
        } catch (const std::exception& e) {
          std::cerr << "synfire-server: garbage collection failed: " << e.what() << "\n";
        }
      }
    });
    synfire::server::serve(
        api, options,
        [](std::uint16_t port) {
          const std::string url = "http://" + host + ":" + std::to_string(port);
          std::cout << "synfire-server listening on " << url << std::endl;
          if (::isatty(STDOUT_FILENO) == 1)  // a person started it: say what to do next
            std::cout << "  data: " << data_folder << " (SQLite database and blob folder); API: " << url
                      << "/api/v1 (described at /api/v1/openapi.json)\n"
                      << "  try:        curl '" << url << "/api/v1/search?q=lif'\n"
                      << "  an account: " << server_program << " --data " << data_folder
                      << " user add NAME  (password on stdin; or POST /api/v1/users)\n"
                      << "  then:       " << cli_program << " login --endpoint " << url << "\n"
                      << "  Ctrl-C stops the server; the access log follows, one JSON line per request." << std::endl;
        },
        [&observability](const synfire::server::RequestRecord& r) { observability.record(r); });
    collector.request_stop();
    std::cout << "synfire-server stopped" << std::endl;
    return 0;
  } catch (const synfire::Failure& failure) {
    std::cerr << "synfire-server: " << failure.error().code << ": " << failure.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "synfire-server: " << e.what() << "\n";
    return 1;
  }
}
