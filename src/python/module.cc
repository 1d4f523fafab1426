// synfire._synfire: the C++ client and the offline checks, for Python. The Python
// package (synfire/__init__.py) adds the Release type and the exception classes.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include "synfire/card/card.h"
#include "synfire/client/client.h"
#include "synfire/nir/analysis.h"
#include "synfire/nir/json.h"
#include "synfire/nir/reader.h"
#include "synfire/version.h"

namespace py = pybind11;
using nlohmann::json;
using synfire::client::Client;

namespace {

py::object to_python(const json& value) {
  return py::module_::import("json").attr("loads")(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

py::dict error_dict(const synfire::Error& e) {
  py::dict d;
  d["code"] = e.code;
  d["message"] = e.message;
  d["where"] = e.where;
  return d;
}

// Raises the synfire.errors class that fits the error code.
void raise_python(const synfire::Error& error) {
  const py::module_ errors = py::module_::import("synfire.errors");
  py::list details;
  for (const auto& d : error.details) details.append(error_dict(d));
  py::object cls = errors.attr("error_class")(error.code);
  py::object instance = cls(error.message, py::arg("code") = error.code, py::arg("where") = error.where,
                            py::arg("details") = details);
  PyErr_SetObject(cls.ptr(), instance.ptr());
}

// Lets Ctrl-C stop a long transfer: while the GIL is released, the client asks now
// and then whether a signal arrived (Python's handlers run on this, the main, thread).
class PyClient {
 public:
  PyClient(std::optional<std::string> endpoint, std::optional<std::string> token)
      : client_(synfire::client::load_settings(endpoint, token)) {
    client_.set_cancel([this] {
      if (progress_failed_) return true;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_check_ < std::chrono::milliseconds(50)) return false;
      last_check_ = now;
      py::gil_scoped_acquire gil;
      return PyErr_CheckSignals() != 0;
    });
  }

  std::string endpoint() const { return client_.settings().endpoint; }
  bool has_token() const { return !client_.settings().token.empty(); }

  py::object push(const std::string& repository, const std::string& version, const std::string& model_path,
                  const std::string& card_path, std::optional<std::string> notes_text,
                  std::optional<std::string> notes_path, bool make_private, py::object progress) {
    synfire::client::PushRequest request{repository, version, model_path, card_path, {}, notes_text, make_private};
    if (notes_path) request.notes_path = *notes_path;
    synfire::client::PushResult result;
    with_progress(progress, [&] { result = client_.push(request); });
    return to_python(result.release_with_warnings());
  }

  py::object pull(const std::string& repository, const std::string& version, std::optional<std::string> dest,
                  py::object progress) {
    synfire::client::PullResult result;
    std::optional<std::filesystem::path> where;
    if (dest) where = *dest;
    with_progress(progress, [&] { result = client_.pull({repository, version, where}); });
    json files = json::object();
    for (const auto& [name, path] : result.files) files[name] = path.string();
    return to_python({{"release", result.release}, {"directory", result.directory.string()}, {"files", files},
                      {"from_cache", result.from_cache}, {"bytes_received", result.bytes_received}});
  }

  template <class F>
  py::object unlocked(F&& call) {
    json value;
    {
      py::gil_scoped_release released;
      value = call();
    }
    return to_python(value);
  }

  Client& client() { return client_; }

 private:
  // Runs a transfer without the GIL; `progress(phase, file, done, total)` is called
  // at most ten times a second and once at the end of each phase. An exception it
  // raises stops the transfer and is raised again here.
  template <class Transfer>
  void with_progress(const py::object& progress, Transfer&& transfer) {
    progress_failed_ = false;
    progress_error_.reset();
    if (!progress.is_none()) {
      // Called from the transfer's thread and from a hashing thread: one at a time
      // (the lock is taken before the GIL, in both).
      client_.set_progress([this, &progress](const synfire::client::Progress& p) {
        std::lock_guard lock(progress_mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (progress_failed_ || (p.done < p.total && now - last_progress_ < std::chrono::milliseconds(100))) return;
        last_progress_ = now;
        py::gil_scoped_acquire gil;
        try {
          progress(p.phase, p.file, p.done, p.total);
        } catch (py::error_already_set& raised) {
          progress_error_ = std::make_unique<py::error_already_set>(std::move(raised));
          progress_failed_ = true;  // the cancel check stops the transfer
        } catch (...) {
          progress_failed_ = true;  // nothing may be thrown through libcurl's C frames
        }
      });
    }
    struct Unset {
      Client& client;
      ~Unset() { client.set_progress(nullptr); }
    } unset{client_};
    try {
      py::gil_scoped_release unlocked;
      transfer();
    } catch (const synfire::client::ClientFailure& failure) {
      if (progress_error_ && failure.error().code == "interrupted") raise_progress_error();
      throw;
    }
  }

  [[noreturn]] void raise_progress_error() {
    auto raised = std::move(progress_error_);
    raised->restore();
    throw py::error_already_set();
  }

  Client client_;
  std::chrono::steady_clock::time_point last_check_{}, last_progress_{};
  std::mutex progress_mutex_;
  std::atomic<bool> progress_failed_{false};
  std::unique_ptr<py::error_already_set> progress_error_;
};

py::object cache_info(std::optional<std::string> endpoint) {
  return to_python(synfire::client::to_json(synfire::client::inspect_cache(synfire::client::load_settings(endpoint))));
}

std::uint64_t clear_cache(std::optional<std::string> endpoint) {
  const auto settings = synfire::client::load_settings(endpoint);
  py::gil_scoped_release unlocked;
  return synfire::client::clear_cache(settings);
}

py::object inspect(const std::string& path) {
  json report;
  {
    py::gil_scoped_release unlocked;
    try {
      report = synfire::nir::report_json(synfire::nir::analyze(synfire::nir::read_file(path)));
    } catch (const synfire::Failure& failure) {
      report = synfire::nir::error_json(failure.error());
    }
  }
  return to_python(report);
}

py::object validate_card(const std::string& path) {
  synfire::card::Result result;
  try {
    result = synfire::card::validate_file(path);
  } catch (const synfire::Failure& failure) {
    result.errors.push_back({"", failure.error().code, failure.error().message});
  }
  json issues[2] = {json::array(), json::array()};
  for (const auto& e : result.errors) issues[0].push_back({{"pointer", e.pointer}, {"code", e.code}, {"message", e.message}});
  for (const auto& w : result.warnings) issues[1].push_back({{"pointer", w.pointer}, {"code", w.code}, {"message", w.message}});
  return to_python({{"valid", result.valid},
                    {"license", result.license ? json(*result.license) : json(nullptr)},
                    {"errors", issues[0]},
                    {"warnings", issues[1]}});
}

}  // namespace

PYBIND11_MODULE(_synfire, m) {
  m.doc() = "The C++ core of the synfire package: use synfire.Client, synfire.inspect and synfire.validate_card.";
  m.attr("__version__") = synfire::kVersion;

  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const synfire::client::ClientFailure& failure) {
      if (failure.error().code == "interrupted") {
        if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);  // else the handler's exception stands
        return;
      }
      raise_python(failure.error());
    } catch (const synfire::Failure& failure) {
      raise_python(failure.error());
    }
  });

  m.def("inspect", &inspect, py::arg("path"), "Read and check a NIR file (offline); the `synfire inspect --json` object.");
  m.def("validate_card", &validate_card, py::arg("path"), "Validate a nir-card.json (offline).");
  m.def("cache_info", &cache_info, py::arg("endpoint") = py::none(), "What the local cache holds.");
  m.def("clear_cache", &clear_cache, py::arg("endpoint") = py::none(), "Empty the local cache; the bytes freed.");

  py::class_<PyClient>(m, "Client")
      .def(py::init<std::optional<std::string>, std::optional<std::string>>(), py::arg("endpoint") = py::none(),
           py::arg("token") = py::none())
      .def_property_readonly("endpoint", &PyClient::endpoint)
      .def_property_readonly("has_token", &PyClient::has_token)
      .def("push", &PyClient::push, py::arg("repository"), py::arg("version"), py::arg("model_path"), py::arg("card_path"),
           py::arg("notes_text") = py::none(), py::arg("notes_path") = py::none(), py::arg("private") = false,
           py::arg("progress") = py::none())
      .def("pull", &PyClient::pull, py::arg("repository"), py::arg("version") = "latest", py::arg("dest") = py::none(),
           py::arg("progress") = py::none())
      .def("info", [](PyClient& c, const std::string& repo, const std::string& version) {
             return c.unlocked([&] { return c.client().release(repo, version); });
           }, py::arg("repository"), py::arg("version") = "latest")
      .def("repository", [](PyClient& c, const std::string& repo) {
             return c.unlocked([&] { return c.client().repository(repo); });
           }, py::arg("repository"))
      .def("versions", [](PyClient& c, const std::string& repo) {
             return c.unlocked([&] { return c.client().versions(repo); });
           }, py::arg("repository"))
      .def("search", [](PyClient& c, const std::map<std::string, std::string>& params) {
             return c.unlocked([&] { return c.client().search(params); });
           }, py::arg("params"))
      .def("yank", [](PyClient& c, const std::string& repo, const std::string& version, const std::string& reason, bool yanked) {
             return c.unlocked([&] { return c.client().yank(repo, version, reason, yanked); });
           }, py::arg("repository"), py::arg("version"), py::arg("reason"), py::arg("yanked"))
      .def("whoami", [](PyClient& c) { return c.unlocked([&] { return c.client().whoami(); }); })
      .def("audit", [](PyClient& c, const std::string& ns, int limit, std::int64_t before) {
             return c.unlocked([&] { return c.client().audit(ns, limit, before); });
           }, py::arg("namespace"), py::arg("limit") = 100, py::arg("before") = 0)
      .def("login", [](PyClient& c, const std::string& user, const std::string& password) {
             py::gil_scoped_release released;
             return c.client().login(user, password);
           }, py::arg("user"), py::arg("password"))
      .def("save_credentials", [](PyClient& c, const std::string& user) {
             synfire::client::save_credentials(c.client().settings(), c.client().settings().token, user);
           }, py::arg("user"));
}
