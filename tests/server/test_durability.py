"""kill -9 the server during an upload and during commits, restart it on the same data:
no partial release is visible, an upload session resumes, every stored blob is intact."""
import hashlib
import json
import os
import pathlib
import subprocess
import tempfile
import threading
import unittest

from server_process import SERVER, ServerProcess
from test_api import CARD, MODEL


def stored_blobs(data):
    return list((pathlib.Path(data) / "blobs" / "sha256").glob("*/*/*"))


class Durability(unittest.TestCase):
    def setUp(self):
        self.server = ServerProcess()
        self.addCleanup(lambda: self.server.stop())

    def restart(self):
        self.server.kill()
        self.server = ServerProcess(directory=self.server.dir)

    def assert_blobs_intact(self):
        for blob in stored_blobs(self.server.data):
            self.assertEqual(hashlib.sha256(blob.read_bytes()).hexdigest(), blob.name, blob)

    def test_an_upload_session_survives_a_kill_and_resumes(self):
        token = self.server.user("ada")
        status, session = self.server.json("POST", "/api/v1/uploads", None, token)
        url = "/api/v1/uploads/" + session["id"]
        half = len(MODEL) // 2
        self.assertEqual(self.server.json("PATCH", url, MODEL[:half], token)[1]["offset"], half)
        self.restart()
        token = self.server.json("POST", "/api/v1/auth/login", {"name": "ada", "password": "correct horse battery"})[1]["token"]
        self.assertEqual(self.server.json("GET", url, token=token)[1]["offset"], half)
        digest = "sha256:" + hashlib.sha256(MODEL).hexdigest()
        status, body = self.server.json("PUT", url + "?digest=" + digest, MODEL[half:], token,
                                        {"Content-Range": f"bytes {half}-{len(MODEL) - 1}/*"})
        self.assertEqual((status, body["digest"]), (201, digest))
        self.assert_blobs_intact()

    def test_search_finds_the_same_after_a_restart(self):
        token = self.server.user("ada")
        files = {"model.nir": self.server.upload(MODEL, token), "nir-card.json": self.server.upload(CARD, token)}
        self.assertEqual(self.server.json("PUT", "/api/v1/repos/ada/snn/releases/1.0.0", {"files": files}, token)[0], 201)
        before = self.server.json("GET", "/api/v1/search?q=snn")[1]
        self.assertEqual(before["total"], 1)
        self.assertTrue(before["facets"])
        self.restart()
        after = self.server.json("GET", "/api/v1/search?q=snn")[1]
        self.assertEqual((after["total"], after["facets"]), (before["total"], before["facets"]))

    def test_commits_killed_midway_leave_whole_releases_or_none(self):
        token = self.server.user("ada")
        files = {"model.nir": self.server.upload(MODEL, token), "nir-card.json": self.server.upload(CARD, token)}
        outcomes = {}

        def commit(version):
            try:
                outcomes[version] = self.server.json("PUT", f"/api/v1/repos/ada/snn/releases/{version}",
                                                     {"files": files}, token)[0]
            except Exception:  # the server died under it
                outcomes[version] = None

        threads = [threading.Thread(target=commit, args=(f"1.0.{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        self.restart()
        for t in threads:
            t.join()
        status, releases = self.server.json("GET", "/api/v1/repos/ada/snn/releases")
        published = {r["version"]: r for r in releases} if status == 200 else {}
        for version, outcome in outcomes.items():
            if outcome == 201:
                self.assertIn(version, published)  # acknowledged means durable
        for release in published.values():
            self.assertEqual({f["name"] for f in release["files"]}, {"model.nir", "nir-card.json"})
            status, _, data = self.server.request("GET", f"/api/v1/repos/ada/snn/releases/{release['version']}/files/model.nir")
            self.assertEqual((status, data), (200, MODEL))
        self.assert_blobs_intact()
        self.assertEqual(list((pathlib.Path(self.server.data) / "tmp").iterdir()), [])

    def test_verify_finds_a_damaged_or_missing_blob_that_a_release_references(self):
        s = self.server
        token = s.user("ada")
        files = {"model.nir": s.upload(MODEL, token), "nir-card.json": s.upload(CARD, token)}
        self.assertEqual(s.json("PUT", "/api/v1/repos/ada/snn/releases/1.0.0", {"files": files}, token)[0], 201)
        s.upload(b"not referenced", token)

        def verify():
            return subprocess.run([SERVER, "--data", s.data, "verify"], capture_output=True, text=True, timeout=120)

        clean = verify()
        self.assertEqual(clean.returncode, 0, clean.stdout + clean.stderr)
        self.assertIn("checked 2 blob(s)", clean.stdout)  # the referenced ones only
        self.assertIn("0 missing, 0 damaged", clean.stdout)

        model_hex = files["model.nir"].split(":")[1]
        card_hex = files["nir-card.json"].split(":")[1]
        model = next(b for b in stored_blobs(s.data) if b.name == model_hex)
        os.chmod(model, 0o644)
        with open(model, "r+b") as f:  # one flipped byte, as a failing disk would
            f.seek(100)
            byte = f.read(1)
            f.seek(100)
            f.write(bytes([byte[0] ^ 0xFF]))
        next(b for b in stored_blobs(s.data) if b.name == card_hex).unlink()
        found = verify()
        self.assertEqual(found.returncode, 1, found.stdout)
        self.assertIn("damaged  sha256:" + model_hex, found.stdout)
        self.assertIn("missing  sha256:" + card_hex, found.stdout)
        self.assertIn("1 missing, 1 damaged", found.stdout)

    def test_a_backup_taken_while_serving_serves_the_same_releases(self):
        s = self.server
        token = s.user("ada")
        files = {"model.nir": s.upload(MODEL, token), "nir-card.json": s.upload(CARD, token)}
        for version in ("1.0.0", "1.1.0"):
            self.assertEqual(s.json("PUT", f"/api/v1/repos/ada/snn/releases/{version}", {"files": files}, token)[0], 201)
        backup_home = tempfile.mkdtemp(prefix="synfire-backup-")
        backup = os.path.join(backup_home, "data")  # where a ServerProcess on backup_home keeps its data
        made = subprocess.run([SERVER, "--data", s.data, "backup", backup], capture_output=True, text=True, timeout=120)
        self.assertEqual(made.returncode, 0, made.stderr)
        self.assertIn("2 blob(s)", made.stdout)
        again = subprocess.run([SERVER, "--data", s.data, "backup", backup], capture_output=True, text=True, timeout=120)
        self.assertEqual(again.returncode, 1)
        self.assertIn("must be new or empty", again.stderr)

        restored = ServerProcess(directory=backup_home)
        self.addCleanup(restored.stop)
        self.assertEqual([r["version"] for r in restored.json("GET", "/api/v1/repos/ada/snn/releases")[1]],
                         ["1.1.0", "1.0.0"])
        self.assertEqual(restored.request("GET", "/api/v1/repos/ada/snn/releases/1.0.0/files/model.nir")[2], MODEL)
        self.assertEqual(restored.json("GET", "/api/v1/search?q=snn")[1]["total"], 1)
        checked = subprocess.run([SERVER, "--data", backup, "verify"], capture_output=True, text=True, timeout=120)
        self.assertEqual(checked.returncode, 0, checked.stdout)


if __name__ == "__main__":
    unittest.main()
