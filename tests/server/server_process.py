"""Starts the real synfire-server on a free port with a fresh data folder."""
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading

SERVER = os.environ.get("SYNFIRE_SERVER_BIN", "../../build/bin/synfire-server")


class ServerProcess:
    def __init__(self, *extra, demo=False, directory=None):
        self.dir = directory or tempfile.mkdtemp(prefix="synfire-server-test-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [SERVER, "--data", self.data, "--listen", "127.0.0.1:0", "--idle-timeout", "2",
                 *([] if demo else ["--no-demo"]), *extra],
                stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError("synfire-server did not start: " + line + open(self.log).read())
        self.port = int(match.group(1))
        # The access log goes to stdout: keep reading it, or the server blocks on a full pipe.
        self.access_log = []
        threading.Thread(target=lambda: self.access_log.extend(self.proc.stdout), daemon=True).start()

    def kill(self):
        """kill -9: no shutdown, nothing flushed; the data folder is kept for a restart."""
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=40)
        with open(self.log) as f:
            log = f.read()
        if log.strip():
            print("synfire-server log:\n" + log)
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode

    def request(self, method, path, body=None, token=None, headers=None):
        """Returns (status, headers, body bytes); a dict body is sent as JSON."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), data

    def json(self, method, path, body=None, token=None, headers=None):
        status, _, data = self.request(method, path, body, token, headers)
        return status, (json.loads(data) if data else None)

    def user(self, name, password="correct horse battery"):
        status, _ = self.json("POST", "/api/v1/users", {"name": name, "password": password})
        assert status == 201, status
        status, body = self.json("POST", "/api/v1/auth/login", {"name": name, "password": password})
        assert status == 200, status
        return body["token"]

    def upload(self, data, token):
        import hashlib
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        status, body = self.json("PUT", "/api/v1/blobs/" + digest, data, token)
        assert status == 201, (status, body)
        return digest
