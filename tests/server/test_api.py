"""The HTTP API of the real synfire-server process: publish flow, permissions, bad input."""
import concurrent.futures
import hashlib
import http.client
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from server_process import ServerProcess

GEN = os.environ.get("SYNFIRE_GEN_BIN", "../../build/bin/synfire-bench-gen")
FIXTURES = pathlib.Path(os.environ.get("SYNFIRE_FIXTURES_DIR", "../../../shared/fixtures"))
REGRESS = pathlib.Path(__file__).resolve().parent.parent / "regress"
HAVE_FIXTURES = (FIXTURES / "nir").is_dir()

_models = tempfile.mkdtemp(prefix="synfire-models-")
subprocess.run([GEN, _models, "conv_classifier", "recurrent_cubalif"], check=True)
MODEL = pathlib.Path(_models, "conv_classifier.nir").read_bytes()
OTHER_MODEL = pathlib.Path(_models, "recurrent_cubalif.nir").read_bytes()
CARD = json.dumps({"license": "MIT", "description": "a test model", "tags": ["snn"]}).encode()


class ApiTest(unittest.TestCase):
    def setUp(self):
        self.server = ServerProcess()
        self.addCleanup(self.server.stop)

    def publish(self, token, repo, version, model=MODEL, card=CARD, extra=None):
        files = {"model.nir": self.server.upload(model, token), "nir-card.json": self.server.upload(card, token)}
        body = {"files": files, **(extra or {})}
        return self.server.json("PUT", f"/api/v1/repos/{repo}/releases/{version}", body, token)


class Accounts(ApiTest):
    def test_sign_up_login_tokens_and_revocation(self):
        s = self.server
        token = s.user("ada")
        self.assertEqual(s.json("GET", "/api/v1/whoami", token=token)[1]["name"], "ada")
        self.assertEqual(s.json("POST", "/api/v1/users", {"name": "ada", "password": "another pass"})[0], 409)
        self.assertEqual(s.json("POST", "/api/v1/auth/login", {"name": "ada", "password": "wrong pass"})[0], 401)
        status, created = s.json("POST", "/api/v1/tokens", {"name": "ci", "scope": "read"}, token)
        self.assertEqual(status, 201)
        self.assertTrue(created["token"].startswith("sf_"))
        listed = s.json("GET", "/api/v1/tokens", token=token)[1]
        self.assertEqual({t["name"] for t in listed}, {"login", "ci"})
        self.assertNotIn("token", listed[0])  # the secret is shown once
        self.assertEqual(s.request("DELETE", f"/api/v1/tokens/{created['id']}", token=token)[0], 204)
        status, headers, _ = s.request("GET", "/api/v1/whoami", token=created["token"])
        self.assertEqual(status, 401)
        self.assertEqual(headers.get("WWW-Authenticate"), "Bearer")

    def test_failed_logins_from_one_address_make_that_address_wait(self):
        s = self.server
        s.user("ada")
        s.user("bob")

        def log_in(name, password, source="127.0.0.1"):
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30, source_address=(source, 0))
            conn.request("POST", "/api/v1/auth/login", json.dumps({"name": name, "password": password}))
            reply = conn.getresponse()
            body = json.loads(reply.read())
            conn.close()
            return reply.status, reply.getheader("Retry-After"), body

        for _ in range(5):
            self.assertEqual(log_in("ada", "wrong guess")[0], 401)
        status, retry_after, body = log_in("ada", "correct horse battery")  # refused unchecked while it waits
        self.assertEqual((status, retry_after, body["error"]["code"]), (429, "1", "too_many_attempts"))
        self.assertIn("try again in 1 s", body["error"]["message"])
        self.assertEqual(log_in("bob", "correct horse battery")[0], 200)  # another account
        self.assertEqual(log_in("ada", "correct horse battery", source="127.0.0.2")[0], 200)  # another address
        time.sleep(1.1)
        self.assertEqual(log_in("ada", "correct horse battery")[0], 200)
        for _ in range(4):  # the success started a new series
            self.assertEqual(log_in("ada", "wrong guess")[0], 401)

    def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(self):
        behind = ServerProcess("--trusted-proxy", "127.0.0.1")
        self.addCleanup(behind.stop)
        behind.user("ada")

        def log_in(server, forwarded):
            headers = {"X-Forwarded-For": forwarded}
            return server.json("POST", "/api/v1/auth/login", {"name": "ada", "password": "wrong guess"},
                               headers=headers)[0]

        for _ in range(5):
            self.assertEqual(log_in(behind, "198.51.100.7, 203.0.113.9"), 401)
        self.assertEqual(log_in(behind, "203.0.113.9"), 429)  # the last address before the proxy
        self.assertEqual(log_in(behind, "203.0.113.10"), 401)  # another client behind it
        deadline = time.monotonic() + 10  # the access log arrives through a pipe
        while not any('"client":"203.0.113.10"' in line for line in behind.access_log) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(any('"client":"203.0.113.10"' in line for line in behind.access_log))
        # without --trusted-proxy the header is anybody's to write: it changes nothing
        direct = self.server
        direct.user("ada")
        for _ in range(5):
            self.assertEqual(log_in(direct, "203.0.113.1"), 401)
        self.assertEqual(log_in(direct, "203.0.113.2"), 429)

    def test_errors_have_one_shape(self):
        status, body = self.server.json("POST", "/api/v1/users", "{not json")
        self.assertEqual(status, 400)
        self.assertEqual(set(body["error"]), {"code", "message", "details"} | ({"where"} & set(body["error"])))
        self.assertEqual(body["error"]["code"], "invalid_request")
        self.assertEqual(self.server.json("POST", "/api/v1/users", {"name": "../x", "password": "long enough"})[0], 400)
        self.assertEqual(self.server.json("GET", "/api/v1/nothing/here")[0], 404)


class Publishing(ApiTest):
    def test_publish_read_resolve_and_download(self):
        s = self.server
        token = s.user("ada")
        status, release = self.publish(token, "ada/snn", "1.0.0")
        self.assertEqual(status, 201, release)
        self.assertEqual(release["license"], "MIT")
        self.assertEqual(release["extract"]["linear_ops"], ["Affine", "Conv2d"])
        self.assertEqual({f["name"] for f in release["files"]}, {"model.nir", "nir-card.json"})
        # Conv2d, IF, SumPool2d, Flatten, Affine, LIF: Lava and SpiNNaker2 read them all; Nengo does not
        self.assertTrue(release["compatibility"]["frameworks"]["Lava"]["can_load"])
        self.assertFalse(release["compatibility"]["frameworks"]["Nengo"]["can_load"])
        self.assertTrue(release["compatibility"]["hardware"]["Intel Loihi 2"]["can_load"])
        self.publish(token, "ada/snn", "1.1.0")
        self.publish(token, "ada/snn", "2.0.0-rc.1")
        self.assertEqual(s.json("GET", "/api/v1/repos/ada/snn")[1]["latest"], "1.1.0")
        self.assertEqual([r["version"] for r in s.json("GET", "/api/v1/repos/ada/snn/releases")[1]],
                         ["2.0.0-rc.1", "1.1.0", "1.0.0"])
        self.assertEqual(s.json("GET", "/api/v1/repos/ada/snn/resolve?req=%5E1.0")[1]["version"], "1.1.0")
        self.assertEqual(s.json("GET", "/api/v1/repos/ada/snn/resolve?req=~1.0")[1]["version"], "1.0.0")

        status, headers, data = s.request("GET", "/api/v1/repos/ada/snn/releases/1.0.0/files/model.nir")
        self.assertEqual(status, 200)
        self.assertEqual(data, MODEL)
        self.assertEqual(headers["X-Content-SHA256"], hashlib.sha256(MODEL).hexdigest())
        self.assertEqual(headers["Content-Length"], str(len(MODEL)))
        self.assertIn("model.nir", headers["Content-Disposition"])
        status, headers, data = s.request("GET", "/api/v1/repos/ada/snn/releases/1.0.0/files/model.nir",
                                          headers={"Range": "bytes=100-199"})
        self.assertEqual(status, 206)
        self.assertEqual(data, MODEL[100:200])
        self.assertEqual(headers["Content-Range"], f"bytes 100-199/{len(MODEL)}")
        status, _, _ = s.request("GET", "/api/v1/repos/ada/snn/releases/1.0.0/files/model.nir",
                                 headers={"Range": f"bytes={len(MODEL)}-"})
        self.assertEqual(status, 416)
        self.assertEqual(s.json("GET", "/api/v1/repos/ada/snn")[1]["downloads"], 1)

    def test_downloads_answer_conditional_and_range_requests(self):
        s = self.server
        token = s.user("ada")
        self.publish(token, "ada/snn", "1.0.0")
        path = "/api/v1/repos/ada/snn/releases/1.0.0/files/model.nir"
        status, headers, _ = s.request("GET", path)
        etag = headers["ETag"]
        self.assertEqual(etag, '"sha256:' + hashlib.sha256(MODEL).hexdigest() + '"')
        self.assertIn("immutable", headers["Cache-Control"])
        self.assertIn("GMT", headers["Last-Modified"])
        self.assertIn("no-cache", s.request("GET", "/api/v1/repos/ada/snn/releases/latest/files/model.nir")[1]["Cache-Control"])
        # a cache that holds the file revalidates it: 304, no body, not a download
        for tags in (etag, "W/" + etag, '"other", ' + etag, "*"):
            status, headers, data = s.request("GET", path, headers={"If-None-Match": tags})
            self.assertEqual((status, data), (304, b""), tags)
            self.assertEqual(headers["ETag"], etag)
        self.assertEqual(s.request("GET", path, headers={"If-None-Match": '"other"'})[0], 200)
        # If-Range: the range only while the file is the one the client has
        status, headers, data = s.request("GET", path, headers={"Range": "bytes=0-9", "If-Range": etag})
        self.assertEqual((status, data), (206, MODEL[:10]))
        status, _, data = s.request("GET", path, headers={"Range": "bytes=0-9", "If-Range": '"sha256:old"'})
        self.assertEqual((status, data), (200, MODEL))
        # the last n bytes; several ranges or malformed ones are ignored, as HTTP allows
        self.assertEqual(s.request("GET", path, headers={"Range": "bytes=-10"})[2], MODEL[-10:])
        for ignored in ("bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes=x-"):
            status, _, data = s.request("GET", path, headers={"Range": ignored})
            self.assertEqual((status, len(data)), (200, len(MODEL)), ignored)
        self.assertEqual(s.request("GET", path, headers={"Range": "bytes=-0"})[0], 416)
        # GETs from the first byte count (9 here); the 304s and the tail do not
        self.assertEqual(s.json("GET", "/api/v1/repos/ada/snn")[1]["downloads"], 9)

    def test_a_commit_answers_with_the_cards_warnings(self):
        s = self.server
        token = s.user("ada")
        status, release = self.publish(token, "ada/gpl", "1.0.0", card=json.dumps({"license": "GPL-3.0"}).encode())
        self.assertEqual(status, 201, release)
        self.assertEqual([(w["code"], w["where"]) for w in release["warnings"]],
                         [("deprecated_license", "nir-card.json#/license")])
        self.assertIn("GPL-3.0-or-later", release["warnings"][0]["message"])
        self.assertEqual(self.publish(token, "ada/gpl", "1.0.1")[1]["warnings"], [])
        self.assertNotIn("warnings", s.json("GET", "/api/v1/repos/ada/gpl/releases/1.0.0")[1])

    def test_a_page_in_a_browser_may_read_the_api_from_another_origin(self):
        s = self.server
        token = s.user("ada")
        self.publish(token, "ada/snn", "1.0.0")
        path = "/api/v1/repos/ada/snn/releases/1.0.0/files/model.nir"
        status, headers, _ = s.request("OPTIONS", path, headers={
            "Origin": "https://viewer.example", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, range"})
        self.assertEqual(status, 204)
        self.assertIn("GET", headers["Access-Control-Allow-Methods"])
        self.assertIn("Authorization", headers["Access-Control-Allow-Headers"])
        self.assertIn("Range", headers["Access-Control-Allow-Headers"])
        status, headers, _ = s.request("GET", path, headers={"Origin": "https://viewer.example", "Range": "bytes=0-9"})
        self.assertEqual((status, headers["Access-Control-Allow-Origin"]), (206, "*"))
        self.assertIn("X-Content-SHA256", headers["Access-Control-Expose-Headers"])
        # errors too (a page must be able to read why), and nothing without an Origin
        status, headers, _ = s.request("GET", "/api/v1/repos/ada/none", headers={"Origin": "https://viewer.example"})
        self.assertEqual((status, headers["Access-Control-Allow-Origin"]), (404, "*"))
        self.assertNotIn("Access-Control-Allow-Origin", s.request("GET", path)[1])

    def test_a_version_is_published_once_build_metadata_ignored(self):
        token = self.server.user("ada")
        self.assertEqual(self.publish(token, "ada/snn", "1.0.0")[0], 201)
        status, body = self.publish(token, "ada/snn", "1.0.0+rebuild", model=OTHER_MODEL)
        self.assertEqual(status, 409)
        self.assertIn("immutable", body["error"]["message"])
        status, _, data = self.server.request("GET", "/api/v1/repos/ada/snn/releases/1.0.0/files/model.nir")
        self.assertEqual(data, MODEL)

    def test_32_concurrent_commits_of_one_version_give_one_201(self):
        s = self.server
        token = s.user("ada")
        files = {"model.nir": s.upload(MODEL, token), "nir-card.json": s.upload(CARD, token)}
        self.publish(token, "ada/snn", "0.1.0")  # the repository exists
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            statuses = list(pool.map(
                lambda _: s.json("PUT", "/api/v1/repos/ada/snn/releases/1.0.0", {"files": files}, token)[0], range(32)))
        self.assertEqual(sorted(statuses), [201] + [409] * 31)
        self.assertEqual(len(s.json("GET", "/api/v1/repos/ada/snn/releases")[1]), 2)

    def test_yank_keeps_the_release_downloadable_by_exact_version(self):
        s = self.server
        ada, bob = s.user("ada"), s.user("bob")
        self.publish(ada, "ada/snn", "1.0.0")
        self.publish(ada, "ada/snn", "1.1.0")
        self.assertEqual(s.json("POST", "/api/v1/repos/ada/snn/releases/1.1.0/yank", {"reason": "x"}, bob)[0], 403)
        status, body = s.json("POST", "/api/v1/repos/ada/snn/releases/1.1.0/yank", {"reason": "bad weights"}, ada)
        self.assertEqual((status, body["yanked"], body["yank_reason"]), (200, True, "bad weights"))
        self.assertEqual(s.json("GET", "/api/v1/repos/ada/snn/releases/latest")[1]["version"], "1.0.0")
        self.assertEqual(s.request("GET", "/api/v1/repos/ada/snn/releases/1.1.0/files/model.nir")[0], 200)
        self.assertEqual(s.json("POST", "/api/v1/repos/ada/snn/releases/1.1.0/unyank", {}, ada)[1]["yanked"], False)


class UploadSessions(ApiTest):
    def test_a_chunked_upload_resumes_at_its_offset_and_completes(self):
        s = self.server
        token = s.user("ada")
        status, session = s.json("POST", "/api/v1/uploads", None, token)
        self.assertEqual((status, session["offset"]), (202, 0))
        url = "/api/v1/uploads/" + session["id"]
        half = len(MODEL) // 2
        status, body = s.json("PATCH", url, MODEL[:half], token, {"Content-Range": f"bytes 0-{half - 1}/*"})
        self.assertEqual((status, body["offset"]), (202, half))
        status, body = s.json("PATCH", url, MODEL[:10], token, {"Content-Range": "bytes 0-9/*"})
        self.assertEqual((status, body["offset"]), (416, half))
        self.assertEqual(s.json("GET", url, token=token)[1]["offset"], half)
        self.assertEqual(s.json("GET", url, token=s.user("bob"))[0], 404)
        digest = "sha256:" + hashlib.sha256(MODEL).hexdigest()
        status, body = s.json("PUT", url + "?digest=" + digest, MODEL[half:], token,
                              {"Content-Range": f"bytes {half}-{len(MODEL) - 1}/*"})
        self.assertEqual((status, body["digest"], body["size"]), (201, digest, len(MODEL)))
        self.assertEqual(s.request("HEAD", "/api/v1/blobs/" + digest)[0], 200)
        self.assertEqual(s.json("GET", url, token=token)[0], 404)  # the session is over
        card = s.upload(CARD, token)
        status, _ = s.json("PUT", "/api/v1/repos/ada/snn/releases/1.0.0",
                           {"files": {"model.nir": digest, "nir-card.json": card}}, token)
        self.assertEqual(status, 201)

    def test_one_request_at_a_time_appends_to_a_session_and_a_cut_one_keeps_what_arrived(self):
        s = self.server
        token = s.user("ada")
        url = "/api/v1/uploads/" + s.json("POST", "/api/v1/uploads", None, token)[1]["id"]
        with socket.create_connection(("127.0.0.1", s.port)) as sock:  # a PATCH that is still sending
            sock.sendall((f"PATCH {url} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                          f"Content-Range: bytes 0-999/*\r\nContent-Length: 1000\r\n\r\n").encode() + b"x" * 100)
            time.sleep(0.3)
            status, body = s.json("PATCH", url, b"y" * 10, token, {"Content-Range": "bytes 0-9/*"})
            self.assertEqual((status, body["error"]["code"]), (416, "range_mismatch"), body)
            self.assertIn("another request", body["error"]["message"])
            self.assertEqual(body["offset"], s.json("GET", url, token=token)[1]["offset"])
        deadline = time.monotonic() + 10  # the cut request ends; what it received stays
        while s.json("GET", url, token=token)[1]["offset"] != 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(s.json("GET", url, token=token)[1]["offset"], 100)
        status, body = s.json("PATCH", url, b"y" * 10, token, {"Content-Range": "bytes 100-109/*"})
        self.assertEqual((status, body["offset"]), (202, 110))

    def test_a_wrong_digest_at_the_end_keeps_nothing(self):
        s = self.server
        token = s.user("ada")
        url = "/api/v1/uploads/" + s.json("POST", "/api/v1/uploads", None, token)[1]["id"]
        s.json("PATCH", url, b"some bytes", token)
        wrong = "sha256:" + hashlib.sha256(b"other").hexdigest()
        status, body = s.json("PUT", url + "?digest=" + wrong, b"", token)
        self.assertEqual((status, body["error"]["code"]), (422, "digest_mismatch"))
        self.assertEqual(s.json("GET", url, token=token)[0], 404)
        self.assertEqual(s.request("HEAD", "/api/v1/blobs/" + wrong)[0], 404)
        self.assertEqual(s.json("POST", "/api/v1/uploads", None, None)[0], 401)


class Search(ApiTest):
    def card(self, description, tags, platforms=()):
        return json.dumps({"license": "MIT" if "mit" in tags else "Apache-2.0", "description": description,
                           "tags": tags, "capabilities": ["spiking"],
                           "tested_platforms": [{"name": p, "type": "hardware"} for p in platforms]}).encode()

    def search(self, query, token=None):
        status, body = self.server.json("GET", "/api/v1/search?" + query, token=token)
        self.assertEqual(status, 200, body)
        return body

    def test_full_text_filters_facets_and_visibility(self):
        s = self.server
        ada, bob = s.user("ada"), s.user("bob")
        self.publish(ada, "ada/mnist-cnn", "1.0.0", card=self.card("Digits with a spiking CNN", ["mnist", "mit"], ["Loihi 2"]))
        self.publish(ada, "ada/braille", "1.0.0", model=OTHER_MODEL,
                     card=self.card("Braille reading, recurrent", ["braille"]))
        self.publish(ada, "ada/hidden", "1.0.0", card=self.card("A private mnist model", ["mnist"]),
                     extra={"private": True})

        names = lambda body: sorted(r["name"] for r in body["results"])
        self.assertEqual(names(self.search("q=mnist")), ["mnist-cnn"])
        self.assertEqual(names(self.search("q=mnist", ada)), ["hidden", "mnist-cnn"])
        self.assertEqual(names(self.search("q=mnist", bob)), ["mnist-cnn"])
        self.assertEqual(names(self.search("q=digit")), ["mnist-cnn"])  # prefixes match
        self.assertEqual(names(self.search("q=spik")), ["braille", "mnist-cnn"])  # capabilities too
        self.assertEqual(names(self.search("q=braille")), ["braille"])
        self.assertEqual(names(self.search("tag=MNIST")), ["mnist-cnn"])
        self.assertEqual(names(self.search("neuron_type=CubaLIF")), ["braille"])
        self.assertEqual(names(self.search("linear_op=Conv2d")), ["mnist-cnn"])
        self.assertEqual(names(self.search("license=MIT")), ["mnist-cnn"])
        self.assertEqual(names(self.search("platform=Loihi%202")), ["mnist-cnn"])
        self.assertEqual(names(self.search("compatible_with=hxtorch")), [])
        self.assertEqual(names(self.search("compatible_with=Lava")), ["braille", "mnist-cnn"])
        self.assertEqual(names(self.search("compatible_with=Sinabs")), ["mnist-cnn"])  # no CubaLIF in Sinabs
        self.assertEqual(names(self.search("capability=spiking&size=small")), ["mnist-cnn"])
        self.assertEqual(names(self.search("namespace=ada&sort=name")), ["braille", "mnist-cnn"])
        self.assertEqual(names(self.search('q=%22OR%20*%20NEAR(')), [])  # FTS syntax in input is inert
        # words and filters together (the filters are then checked in memory)
        self.assertEqual(names(self.search("q=mnist&tag=MNIST")), ["mnist-cnn"])
        self.assertEqual(names(self.search("q=mnist&tag=mnist&sort=name", ada)), ["hidden", "mnist-cnn"])
        self.assertEqual(names(self.search("q=mnist&license=apache-2.0", ada)), ["hidden"])
        self.assertEqual(names(self.search("q=mnist&license=apache-2.0", bob)), [])
        self.assertEqual(names(self.search("q=spik&neuron_type=CubaLIF&capability=spiking")), ["braille"])
        self.assertEqual(names(self.search("q=mnist&tag=nope")), [])
        self.assertEqual(names(self.search("q=mnist&tag=mnist&sort=downloads", ada)), ["hidden", "mnist-cnn"])
        # filters alone: the repositories the facet index names, still only those the caller may see
        self.assertEqual(names(self.search("tag=mnist")), ["mnist-cnn"])
        self.assertEqual(names(self.search("tag=mnist", ada)), ["hidden", "mnist-cnn"])
        self.assertEqual(names(self.search("tag=mnist&license=Apache-2.0", ada)), ["hidden"])
        self.assertEqual(names(self.search("tag=mnist&neuron_type=CubaLIF", ada)), [])
        self.assertEqual(names(self.search("tag=mnist&namespace=bob", ada)), [])
        both = self.search("q=spik&capability=spiking")
        self.assertEqual((both["total"], both["facets"]["capability"]), (2, {"spiking": 2}))

        body = self.search("capability=spiking")
        self.assertEqual(body["total"], 2)
        self.assertEqual(body["facets"]["tag"], {"mnist": 1, "mit": 1, "braille": 1})
        self.assertEqual(body["facets"]["license"], {"MIT": 1, "Apache-2.0": 1})
        page = self.search("sort=name&per_page=1&page=2")
        self.assertEqual((page["total"], [r["name"] for r in page["results"]]), (2, ["mnist-cnn"]))
        self.assertEqual(page["results"][0]["latest"], "1.0.0")
        for bad in ("sort=stars", "per_page=1000", "page=0", "stars=5", "page=x"):
            self.assertEqual(s.json("GET", "/api/v1/search?" + bad)[0], 400, bad)

    def test_closed_filters_name_their_values(self):
        s = self.server
        for query, named in (("size=huge", "tiny, small, medium or large"), ("compatible_with=snntorch", "snnTorch")):
            status, body = s.json("GET", "/api/v1/search?" + query)
            self.assertEqual((status, body["error"]["where"]), (400, query.split("=")[0]))
            self.assertIn(named, body["error"]["message"])
        self.assertEqual(s.json("GET", "/api/v1/search?size=tiny&compatible_with=Lava")[0], 200)

    def test_the_order_follows_downloads_and_releases_as_they_happen(self):
        s = self.server
        ada = s.user("ada")
        for repo in ("ada/alpha", "ada/beta", "ada/gamma"):
            self.publish(ada, repo, "1.0.0", card=self.card("a spiking network", ["order"]))
        order = lambda query: [r["name"] for r in self.search(query)["results"]]
        # Distinct queries each time: answers are cached until the index changes, and
        # a download does not change it.
        self.assertEqual(order("tag=order&sort=downloads&per_page=10"), ["alpha", "beta", "gamma"])
        for _ in range(2):
            self.assertEqual(s.request("GET", "/api/v1/repos/ada/gamma/releases/1.0.0/files/model.nir")[0], 200)
        self.assertEqual(s.request("GET", "/api/v1/repos/ada/beta/releases/1.0.0/files/model.nir")[0], 200)
        self.assertEqual(order("tag=order&sort=downloads&per_page=11"), ["gamma", "beta", "alpha"])
        self.assertEqual(order("q=spiking&sort=downloads&per_page=11"), ["gamma", "beta", "alpha"])
        self.assertEqual(order("sort=downloads&per_page=2&page=2"), ["alpha"])
        self.assertEqual(order("tag=order&sort=name&per_page=11"), ["alpha", "beta", "gamma"])
        time.sleep(1.1)  # updated_at has a resolution of one second
        self.publish(ada, "ada/beta", "1.1.0", card=self.card("a spiking network", ["order"]))
        self.assertEqual(order("tag=order&sort=updated&per_page=12")[0], "beta")
        self.assertEqual(order("q=spiking&sort=updated&per_page=12")[0], "beta")

    def test_relevance_follows_the_text_each_release_indexes(self):
        s = self.server
        ada = s.user("ada")
        long_text = "a recurrent network " + " ".join(f"word{i}" for i in range(40)) + " with lif neurons"
        self.publish(ada, "ada/short", "1.0.0", card=self.card("lif neurons", ["x"]))
        self.publish(ada, "ada/long", "1.0.0", card=self.card(long_text, ["x"]))
        order = lambda: [r["name"] for r in self.search("q=lif&sort=relevance")["results"]]
        self.assertEqual(order(), ["short", "long"])  # the same one match: the shorter text ranks first
        # New releases swap the texts: the ranking follows (each text's length is re-read).
        self.publish(ada, "ada/short", "1.1.0", card=self.card(long_text, ["x"]))
        self.publish(ada, "ada/long", "1.1.0", card=self.card("lif neurons", ["x"]))
        self.assertEqual(order(), ["long", "short"])

    def test_a_yanked_release_leaves_the_index(self):
        s = self.server
        ada = s.user("ada")
        self.publish(ada, "ada/snn", "1.0.0", card=self.card("old", ["first"]))
        self.publish(ada, "ada/snn", "1.1.0", card=self.card("new", ["second"]))
        self.assertEqual(self.search("tag=second")["total"], 1)
        s.json("POST", "/api/v1/repos/ada/snn/releases/1.1.0/yank", {"reason": "bad"}, ada)
        self.assertEqual(self.search("tag=second")["total"], 0)
        self.assertEqual(self.search("tag=first")["total"], 1)

    def test_downloads_are_counted_per_release_and_the_audit_log_records_changes(self):
        s = self.server
        ada, bob = s.user("ada"), s.user("bob")
        self.assertEqual(s.json("POST", "/api/v1/orgs", {"name": "lab"}, ada)[0], 201)
        self.publish(ada, "lab/snn", "1.0.0")
        self.publish(ada, "lab/snn", "1.1.0")
        files = "/api/v1/repos/lab/snn/releases/{}/files/model.nir"
        for version in ("1.0.0", "1.0.0", "1.1.0"):
            self.assertEqual(s.request("GET", files.format(version))[0], 200)
        self.assertEqual(s.request("GET", files.format("1.0.0"), headers={"Range": "bytes=10-"})[0], 206)  # a resume
        counts = {r["version"]: r["downloads"] for r in s.json("GET", "/api/v1/repos/lab/snn/releases")[1]}
        self.assertEqual(counts, {"1.0.0": 2, "1.1.0": 1})
        self.assertEqual(s.json("GET", "/api/v1/repos/lab/snn/releases/1.0.0")[1]["downloads"], 2)
        self.assertEqual(s.json("GET", "/api/v1/repos/lab/snn")[1]["downloads"], 3)

        s.json("PUT", "/api/v1/orgs/lab/members/bob", {"role": "write"}, ada)
        s.json("POST", "/api/v1/repos/lab/snn/releases/1.0.0/yank", {"reason": "bad weights"}, ada)
        status, log = s.json("GET", "/api/v1/audit?namespace=lab", token=ada)
        self.assertEqual(status, 200, log)
        self.assertEqual([(e["actor"], e["action"], e["target"]) for e in log],
                         [("ada", "release.yank", "snn@1.0.0"), ("ada", "member.set", "bob"),
                          ("ada", "release.publish", "snn@1.1.0"), ("ada", "release.publish", "snn@1.0.0"),
                          ("ada", "org.create", "lab")])
        self.assertEqual(log[0]["detail"], {"reason": "bad weights"})
        self.assertEqual(log[1]["detail"], {"role": "write"})
        self.assertTrue(log[3]["detail"]["files"]["model.nir"].startswith("sha256:"))
        older = s.json("GET", f"/api/v1/audit?namespace=lab&limit=2&before={log[1]['id']}", token=ada)[1]
        self.assertEqual([e["target"] for e in older], ["snn@1.1.0", "snn@1.0.0"])
        self.assertEqual(s.json("GET", "/api/v1/audit?namespace=lab", token=bob)[0], 403)  # write is not enough
        self.assertEqual(s.json("GET", "/api/v1/audit?namespace=lab")[0], 401)
        self.assertEqual(s.json("GET", "/api/v1/audit?namespace=bob", token=bob)[0], 200)
        self.assertEqual(s.json("GET", "/api/v1/audit", token=bob)[0], 400)

    def test_cached_answers_follow_every_change_at_once(self):
        s = self.server
        ada, bob = s.user("ada"), s.user("bob")
        self.assertEqual(s.json("POST", "/api/v1/orgs", {"name": "lab"}, ada)[0], 201)
        self.assertEqual(self.search("q=cache")["total"], 0)
        self.publish(ada, "lab/cache-model", "1.0.0", card=self.card("cache test", ["x"]), extra={"private": True})
        self.publish(ada, "ada/cache-public", "1.0.0", card=self.card("cache test", ["x"]))
        self.assertEqual(self.search("q=cache")["total"], 1)  # a publish shows at once
        self.assertEqual(self.search("q=cache", bob)["total"], 1)
        s.json("PUT", "/api/v1/orgs/lab/members/bob", {"role": "read"}, ada)
        self.assertEqual(self.search("q=cache", bob)["total"], 2)  # so does a new membership
        s.json("DELETE", "/api/v1/orgs/lab/members/bob", None, ada)
        self.assertEqual(self.search("q=cache", bob)["total"], 1)

        latest = "/api/v1/repos/ada/cache-public/releases/latest"
        self.assertEqual(s.json("GET", latest)[1]["version"], "1.0.0")
        self.publish(ada, "ada/cache-public", "1.1.0", card=self.card("cache test", ["x"]))
        self.assertEqual(s.json("GET", latest)[1]["version"], "1.1.0")  # a new release shows at once
        s.json("POST", "/api/v1/repos/ada/cache-public/releases/1.1.0/yank", {"reason": "oops"}, ada)
        self.assertEqual(s.json("GET", latest)[1]["version"], "1.0.0")  # and a yank
        self.assertEqual(s.json("GET", "/api/v1/repos/ada/cache-public/releases/1.0.0")[1]["downloads"], 0)
        self.assertEqual(s.request("GET", "/api/v1/repos/ada/cache-public/releases/1.0.0/files/model.nir")[0], 200)
        self.assertEqual(s.json("GET", "/api/v1/repos/ada/cache-public/releases/1.0.0")[1]["downloads"], 1)
        self.assertEqual(s.json("GET", latest)[1]["downloads"], 1)
        private = "/api/v1/repos/lab/cache-model/releases/latest"
        self.assertEqual(s.json("GET", private, token=ada)[0], 200)
        self.assertEqual(s.json("GET", private, token=bob)[0], 404)  # answers are per viewer
        self.assertEqual(s.json("GET", private)[0], 404)


class Permissions(ApiTest):
    def test_a_private_repository_is_404_to_whoever_may_not_read_it(self):
        s = self.server
        ada, bob = s.user("ada"), s.user("bob")
        self.assertEqual(s.json("POST", "/api/v1/orgs", {"name": "nrg-lab"}, ada)[0], 201)
        self.assertEqual(self.publish(ada, "nrg-lab/secret", "1.0.0", extra={"private": True})[0], 201)
        for token in (None, bob):
            self.assertEqual(s.json("GET", "/api/v1/repos/nrg-lab/secret", token=token)[0], 404)
            self.assertEqual(s.request("GET", "/api/v1/repos/nrg-lab/secret/releases/1.0.0/files/model.nir",
                                       token=token)[0], 404)
        self.assertEqual(self.publish(bob, "nrg-lab/other", "1.0.0")[0], 403)
        self.assertEqual(s.json("PUT", "/api/v1/orgs/nrg-lab/members/bob", {"role": "write"}, ada)[0], 200)
        self.assertEqual(s.json("GET", "/api/v1/repos/nrg-lab/secret", token=bob)[0], 200)
        self.assertEqual(self.publish(bob, "nrg-lab/other", "1.0.0")[0], 201)
        self.assertEqual(s.json("PUT", "/api/v1/orgs/nrg-lab/members/bob", {"role": "owner"}, bob)[0], 403)

    def test_anonymous_and_read_tokens_cannot_write(self):
        s = self.server
        ada = s.user("ada")
        reader = s.json("POST", "/api/v1/tokens", {"name": "r", "scope": "read"}, ada)[1]["token"]
        digest = "sha256:" + hashlib.sha256(b"x").hexdigest()
        self.assertEqual(s.request("PUT", "/api/v1/blobs/" + digest, b"x")[0], 401)
        self.assertEqual(s.request("PUT", "/api/v1/blobs/" + digest, b"x", reader)[0], 403)
        self.assertEqual(s.json("POST", "/api/v1/orgs", {"name": "lab"}, reader)[0], 403)


class BadInput(ApiTest):
    def test_a_wrong_digest_or_size_stores_nothing(self):
        s = self.server
        token = s.user("ada")
        wrong = "sha256:" + hashlib.sha256(b"other").hexdigest()
        status, body = s.json("PUT", "/api/v1/blobs/" + wrong, b"these bytes", token)
        self.assertEqual((status, body["error"]["code"]), (422, "digest_mismatch"))
        self.assertEqual(s.request("HEAD", "/api/v1/blobs/" + wrong)[0], 404)
        right = "sha256:" + hashlib.sha256(b"these bytes").hexdigest()
        self.assertEqual(s.request("HEAD", "/api/v1/blobs/" + right)[0], 404)
        self.assertEqual(s.request("PUT", "/api/v1/blobs/sha256:ABC", b"x", token)[0], 400)

    def test_over_2_gib_is_413_before_any_byte_is_read(self):
        s = self.server
        token = s.user("ada")
        digest = "sha256:" + "0" * 64
        with socket.create_connection(("127.0.0.1", s.port)) as sock:
            sock.sendall((f"PUT /api/v1/blobs/{digest} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                          f"Content-Length: 2147483649\r\n\r\n").encode())
            reply = sock.recv(4096).decode()
        self.assertTrue(reply.startswith("HTTP/1.1 413"), reply)

    def test_a_client_that_stalls_half_way_is_cut_off_and_nothing_is_kept(self):
        s = self.server
        token = s.user("ada")
        digest = "sha256:" + hashlib.sha256(b"x" * 1000).hexdigest()
        with socket.create_connection(("127.0.0.1", s.port)) as sock:
            sock.sendall((f"PUT /api/v1/blobs/{digest} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                          f"Content-Length: 1000\r\n\r\n").encode() + b"x" * 10)
            sock.settimeout(10)
            start = time.monotonic()
            self.assertEqual(sock.recv(4096), b"")  # closed by the server's idle timeout
            self.assertLess(time.monotonic() - start, 9)
        self.assertEqual(s.request("HEAD", "/api/v1/blobs/" + digest)[0], 404)
        self.assertEqual(s.json("GET", "/healthz")[0], 200)

    def test_huge_headers_and_bodies_are_refused(self):
        s = self.server
        with socket.create_connection(("127.0.0.1", s.port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
            sock.settimeout(5)
            try:
                reply = sock.recv(4096)
            except ConnectionResetError:
                reply = b""
        self.assertFalse(reply.startswith(b"HTTP/1.1 200"))
        self.assertEqual(s.json("POST", "/api/v1/users", "x" * (2 << 20))[0], 413)
        self.assertEqual(s.json("GET", "/healthz")[0], 200)

    def test_a_full_disk_is_507_keeps_nothing_and_names_no_server_path(self):
        folder = tempfile.mkdtemp(prefix="synfire-full-disk-")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", folder], capture_output=True)
        if mounted.returncode != 0:
            os.rmdir(folder)
            self.skipTest("cannot mount a small tmpfs here (needs root): " + mounted.stderr.decode().strip())
        self.addCleanup(lambda: (subprocess.run(["umount", "-l", folder]), os.rmdir(folder)))
        s = ServerProcess(directory=folder)
        self.addCleanup(s.stop)
        token = s.user("ada")
        big = os.urandom(12 << 20)
        digest = "sha256:" + hashlib.sha256(big).hexdigest()
        status, body = s.json("PUT", "/api/v1/blobs/" + digest, big, token)
        self.assertEqual((status, body["error"]["code"]), (507, "insufficient_storage"), body)
        self.assertNotIn("where", body["error"])
        self.assertNotIn(folder, json.dumps(body))
        self.assertEqual(s.request("HEAD", "/api/v1/blobs/" + digest)[0], 404)
        self.assertEqual(os.listdir(os.path.join(s.data, "tmp")), [])
        # the server goes on: a file that fits is stored
        s.upload(b"small", token)  # 201, or it raises
        self.assertIn("insufficient_storage", pathlib.Path(s.log).read_text())  # the operator is told, with the path

    def test_a_model_that_breaks_libhdf5_costs_one_422(self):
        s = self.server
        token = s.user("ada")
        for name in ("link-table-bad-free.nir", "global-heap-read-segv.nir"):
            status, body = self.publish(token, "ada/snn", "1.0.0", model=(REGRESS / "libhdf5" / name).read_bytes())
            self.assertEqual(status, 422, body)
        self.assertEqual(self.publish(token, "ada/snn", "1.0.0")[0], 201)

    def test_a_model_check_that_hangs_does_not_hold_the_server(self):
        # One I/O thread: before commits ran off it, a hanging check stopped every request.
        self.server = s = ServerProcess("--threads", "1", "--check-timeout", "4")
        self.addCleanup(s.stop)
        token = s.user("ada")
        hang = (REGRESS / "libhdf5" / "global-heap-loop-version-string.nir").read_bytes()
        with concurrent.futures.ThreadPoolExecutor() as pool:
            start = time.monotonic()
            commit = pool.submit(self.publish, token, "ada/snn", "1.0.0", model=hang)
            time.sleep(0.5)
            for _ in range(5):
                asked = time.monotonic()
                self.assertEqual(s.json("GET", "/healthz")[0], 200)
                self.assertLess(time.monotonic() - asked, 1.0)
                self.assertFalse(commit.done())
            status, body = commit.result(timeout=30)
        self.assertEqual(status, 422, body)
        self.assertLess(time.monotonic() - start, 15)  # the check timeout ended it

    def test_bad_versions(self):
        token = self.server.user("ada")
        for version in ("v1.0.0", "1.0", "01.0.0", "1.0.0-"):
            self.assertEqual(self.publish(token, "ada/snn", version)[0], 400, version)


@unittest.skipUnless(HAVE_FIXTURES, f"conformance fixtures not found at {FIXTURES}; skipping")
def read_head(sock):
    """The status line and headers of the next response on a raw socket."""
    head = b""
    while b"\r\n\r\n" not in head:
        byte = sock.recv(1)
        if not byte:
            break
        head += byte
    return head.decode()


class ExpectContinue(ApiTest):
    """curl sends `Expect: 100-continue` with bodies over 1 MiB and waits a second for it."""

    def put_expecting_continue(self, token, body):
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        sock = socket.create_connection(("127.0.0.1", self.server.port))
        self.addCleanup(sock.close)
        sock.settimeout(5)
        sock.sendall((f"PUT /api/v1/blobs/{digest} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                      f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
        return sock, digest, read_head(sock)

    def test_an_accepted_upload_is_told_to_continue_before_it_sends_the_body(self):
        s = self.server
        body = os.urandom(3 << 20)
        sock, digest, interim = self.put_expecting_continue(s.user("ada"), body)
        self.assertTrue(interim.startswith("HTTP/1.1 100 Continue"), interim)
        sock.sendall(body)
        self.assertTrue(read_head(sock).startswith("HTTP/1.1 201"))
        self.assertEqual(s.request("HEAD", "/api/v1/blobs/" + digest)[0], 200)

    def test_a_refused_upload_gets_its_answer_without_sending_the_body(self):
        s = self.server
        s.user("ada")
        sock, digest, answer = self.put_expecting_continue("not-a-token", os.urandom(3 << 20))
        self.assertTrue(answer.startswith("HTTP/1.1 401"), answer)
        self.assertEqual(s.request("HEAD", "/api/v1/blobs/" + digest)[0], 404)

    def test_a_json_request_is_told_to_continue_too(self):
        s = self.server
        token = s.user("ada")
        body = json.dumps({"name": "nrg-lab"}).encode()
        with socket.create_connection(("127.0.0.1", s.port)) as sock:
            sock.settimeout(5)
            sock.sendall((f"POST /api/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                          f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
            self.assertTrue(read_head(sock).startswith("HTTP/1.1 100 Continue"))
            sock.sendall(body)
            self.assertTrue(read_head(sock).startswith("HTTP/1.1 201"))


class Fixtures(ApiTest):
    def test_every_error_fixture_is_422_with_its_class_or_codes(self):
        s = self.server
        token = s.user("ada")
        good_card = CARD
        for expected in sorted((FIXTURES / "nir").glob("*.expected.json")):
            outcome = json.loads(expected.read_text())
            if outcome["ok"]:
                continue
            name = expected.name[: -len(".expected.json")]
            status, body = self.publish(token, "ada/bad", "1.0.0", model=(FIXTURES / "nir" / f"{name}.nir").read_bytes(),
                                        card=good_card)
            with self.subTest(name):
                self.assertEqual(status, 422)
                self.assertEqual([d["code"] for d in body["error"]["details"]], [outcome["error"]])
        for expected in sorted((FIXTURES / "cards").glob("err_*.expected.json")):
            outcome = json.loads(expected.read_text())
            name = expected.name[: -len(".expected.json")]
            status, body = self.publish(token, "ada/bad", "1.0.0", card=(FIXTURES / "cards" / f"{name}.json").read_bytes())
            with self.subTest(name):
                self.assertEqual(status, 422)
                self.assertEqual(sorted(d["code"] for d in body["error"]["details"]),
                                 sorted(e["code"] for e in outcome["errors"]))
        self.assertEqual(s.json("GET", "/api/v1/repos/ada/bad")[0], 404)  # nothing was created


class OpenApi(ApiTest):
    def test_the_document_lists_exactly_the_endpoints_that_answer(self):
        s = self.server
        token = s.user("ada")
        status, doc = s.json("GET", "/api/v1/openapi.json")
        self.assertEqual((status, doc["openapi"]), (200, "3.0.3"))
        self.assertIn("put", doc["paths"]["/api/v1/repos/{ns}/{repo}/releases/{version}"])
        self.assertIn("patch", doc["paths"]["/api/v1/uploads/{id}"])
        self.assertIn("409", doc["paths"]["/api/v1/repos/{ns}/{repo}/releases/{version}"]["put"]["responses"])
        for path, operations in doc["paths"].items():
            concrete = path.replace("{digest}", "sha256:" + "0" * 64)
            for name in ("ns", "repo", "version", "name", "org", "user", "id"):
                concrete = concrete.replace("{" + name + "}", "x")
            for method in operations:
                with self.subTest(method=method, path=path):
                    status, _, data = s.request(method.upper(), concrete, b"{}", token)
                    body = json.loads(data) if data and data.startswith(b"{") else {}
                    self.assertNotEqual(body.get("error", {}).get("message"), "no such endpoint")
                    self.assertNotEqual(status, 405)
        self.assertEqual(s.json("GET", "/api/v1/not/documented")[1]["error"]["message"], "no such endpoint")
        for root in ("/", "/api/v1"):  # a person or a client finding its way
            about = s.json("GET", root)[1]
            self.assertEqual((about["service"], about["openapi"]), ("synfire", "/api/v1/openapi.json"))
        status, headers, _ = s.request("DELETE", "/api/v1/whoami", token=token)
        self.assertEqual((status, headers["Allow"]), (405, "GET, HEAD, OPTIONS"))
        self.assertEqual(s.request("POST", "/api/v1/tokens", token=token)[0], 400)  # a known method, a bad body
        status, headers, _ = s.request("PATCH", "/api/v1/tokens", token=token)
        self.assertEqual((status, headers["Allow"]), (405, "GET, HEAD, OPTIONS, POST"))
        # HEAD answers wherever GET does: the same headers, no body
        _, get_headers, body = s.request("GET", "/api/v1/whoami", token=token)
        status, head_headers, nobody = s.request("HEAD", "/api/v1/whoami", token=token)
        self.assertEqual((status, nobody, head_headers["Content-Length"]), (200, b"", str(len(body))))


class Observability(ApiTest):
    def test_metrics_count_requests(self):
        self.server.json("GET", "/healthz")
        self.server.json("GET", "/api/v1/nothing")
        status, headers, text = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        self.assertIn('synfire_http_requests_total{method="GET",status="404"} 1', text.decode())
        self.assertIn("synfire_http_request_duration_seconds_bucket", text.decode())
        time.sleep(0.2)
        entry = json.loads(next(line for line in self.server.access_log if '"/api/v1/nothing"' in line))
        self.assertEqual((entry["method"], entry["status"]), ("GET", 404))
        self.assertNotIn("Bearer", "".join(self.server.access_log))


class Lifecycle(unittest.TestCase):
    def test_settings_come_from_a_config_file_and_the_environment(self):
        import tempfile as tf
        folder = tf.mkdtemp(prefix="synfire-config-")
        config = os.path.join(folder, "synfire.toml")
        with open(config, "w") as f:
            f.write('no-signup = true\nidle-timeout = 5\n')
        server = ServerProcess("--config", config)
        self.addCleanup(server.stop)
        status, body = server.json("POST", "/api/v1/users", {"name": "ada", "password": "long enough"})
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))

    def test_started_from_a_terminal_it_says_what_to_do_next(self):
        import pty
        import select
        import signal
        from server_process import SERVER
        folder = tempfile.mkdtemp(prefix="synfire-terminal-")
        self.addCleanup(shutil.rmtree, folder, True)
        pid, fd = pty.fork()
        if pid == 0:  # the child: the server on a pseudo-terminal
            os.execv(SERVER, [SERVER, "--data", os.path.join(folder, "data"), "--listen", "127.0.0.1:0", "--no-demo"])
        text, deadline = "", time.monotonic() + 20
        try:
            while "Ctrl-C stops" not in text and time.monotonic() < deadline:
                if select.select([fd], [], [], 0.5)[0]:
                    text += os.read(fd, 4096).decode(errors="replace")
        finally:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
            os.close(fd)
        self.assertIn("user add NAME", text)
        self.assertRegex(text, r"login --endpoint http://127\.0\.0\.1:\d+")

    def test_a_new_data_folder_gets_the_demo_models(self):
        server = ServerProcess(demo=True)
        self.addCleanup(server.stop)
        for repo in ("conv-classifier", "recurrent-cubalif", "lif-chain"):
            status, body = server.json("GET", f"/api/v1/repos/demo/{repo}")
            self.assertEqual((status, body["latest"]), (200, "1.0.0"), repo)
        release = server.json("GET", "/api/v1/repos/demo/recurrent-cubalif/releases/latest")[1]
        self.assertEqual(release["extract"]["max_depth"], 2)
        self.assertEqual(release["findings"], [])
        self.assertIn("random", release["card"]["description"])

    def test_sigterm_stops_the_server_cleanly(self):
        server = ServerProcess()
        self.assertEqual(server.json("GET", "/healthz")[0], 200)
        self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
