"""Every mutating endpoint against every kind of caller, each with its expected status."""
import hashlib
import json
import time
import unittest

from server_process import ServerProcess
from test_api import CARD, MODEL


class AuthorizationMatrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = cls.server = ServerProcess()
        owner = s.user("owner")
        s.json("POST", "/api/v1/orgs", {"name": "lab"}, owner)
        callers = {"owner": owner}
        for role in ("admin", "write", "read"):
            callers[role] = s.user(role + "-member")
            s.json("PUT", f"/api/v1/orgs/lab/members/{role}-member", {"role": role}, owner)
        callers["non-member"] = s.user("stranger")
        revoked = s.json("POST", "/api/v1/tokens", {"name": "gone", "scope": "admin"}, owner)[1]
        s.request("DELETE", f"/api/v1/tokens/{revoked['id']}", token=owner)
        callers["revoked"] = revoked["token"]
        expiring = s.json("POST", "/api/v1/tokens", {"name": "soon", "scope": "admin", "expires_at": int(time.time()) + 1},
                          owner)[1]
        callers["expired"] = expiring["token"]
        callers["anonymous"] = None
        cls.callers = callers
        cls.model = s.upload(MODEL, owner)
        cls.card = s.upload(CARD, owner)
        s.json("PUT", "/api/v1/repos/lab/snn/releases/1.0.0", {"files": {"model.nir": cls.model, "nir-card.json": cls.card}},
               owner)
        time.sleep(2)  # the expiring token has expired

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def check(self, expected, method, path, body=None):
        counter = getattr(self, "_n", 0)
        for caller, status in expected.items():
            self._n = counter = counter + 1
            path_n = path.replace("{n}", str(counter))
            body_n = json.loads(json.dumps(body).replace("{n}", str(counter))) if body is not None else None
            with self.subTest(caller=caller, path=path_n):
                got = self.server.json(method, path_n, body_n, self.callers[caller])[0]
                self.assertEqual(got, status)

    def test_publishing_into_an_organization(self):
        files = {"files": {"model.nir": self.model, "nir-card.json": self.card}}
        self.check({"anonymous": 401, "revoked": 401, "expired": 401, "non-member": 403, "read": 403,
                    "write": 201, "admin": 201, "owner": 201}, "PUT", "/api/v1/repos/lab/snn/releases/2.{n}.0", files)

    def test_creating_a_repository(self):
        self.check({"anonymous": 401, "revoked": 401, "expired": 401, "non-member": 403, "read": 403,
                    "write": 201, "admin": 201, "owner": 201}, "POST", "/api/v1/repos",
                   {"namespace": "lab", "name": "repo-{n}"})

    def test_yanking(self):
        self.check({"anonymous": 401, "revoked": 401, "expired": 401, "non-member": 403, "read": 403,
                    "write": 403, "admin": 200, "owner": 200}, "POST", "/api/v1/repos/lab/snn/releases/1.0.0/yank",
                   {"reason": "test"})

    def test_managing_members(self):
        self.check({"anonymous": 401, "revoked": 401, "expired": 401, "non-member": 404, "read": 403,
                    "write": 403, "admin": 200, "owner": 200}, "PUT", "/api/v1/orgs/lab/members/stranger",
                   {"role": "read"})
        self.check({"admin": 403, "owner": 200}, "PUT", "/api/v1/orgs/lab/members/write-member", {"role": "owner"})
        self.server.json("PUT", "/api/v1/orgs/lab/members/write-member", {"role": "write"}, self.callers["owner"])

    def test_uploading_blobs(self):
        data = b"matrix"
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        for caller, status in {"anonymous": 401, "revoked": 401, "expired": 401, "non-member": 201, "read": 201}.items():
            with self.subTest(caller=caller):
                self.assertEqual(self.server.request("PUT", "/api/v1/blobs/" + digest, data, self.callers[caller])[0], status)

    def test_creating_tokens_and_organizations(self):
        self.check({"anonymous": 401, "revoked": 401, "expired": 401, "non-member": 201}, "POST", "/api/v1/tokens",
                   {"name": "t{n}", "scope": "read"})
        self.check({"anonymous": 401, "revoked": 401, "expired": 401, "non-member": 201}, "POST", "/api/v1/orgs",
                   {"name": "org-{n}"})


if __name__ == "__main__":
    unittest.main()
