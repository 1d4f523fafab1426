"""The `synfire` CLI's offline commands, run as a user runs them (spec/nir-format.md)."""
import json
import os
import pathlib
import subprocess
import tempfile
import unittest

BIN = os.environ.get("SYNFIRE_BIN", "../../build/bin/synfire")
FIXTURES = pathlib.Path(os.environ.get("SYNFIRE_FIXTURES_DIR", "../../../shared/fixtures"))
HAVE_FIXTURES = (FIXTURES / "nir").is_dir()
SKIP_REASON = f"conformance fixtures not found at {FIXTURES} (../shared is absent); skipping"


def run(*args, stdin=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin, timeout=60)


@unittest.skipUnless(HAVE_FIXTURES, SKIP_REASON)
class InspectJson(unittest.TestCase):
    def test_every_fixture_follows_the_json_contract(self):
        for expected_path in sorted((FIXTURES / "nir").glob("*.expected.json")):
            name = expected_path.name[: -len(".expected.json")]
            with self.subTest(name):
                expected = json.loads(expected_path.read_text())
                result = run("inspect", str(FIXTURES / "nir" / f"{name}.nir"), "--json")
                out = json.loads(result.stdout)
                self.assertEqual(out["ok"], expected["ok"])
                if expected["ok"]:
                    self.assertEqual(result.returncode, 0)
                    self.assertEqual(out["extract"], expected["extract"])
                    self.assertEqual(sorted(f["code"] for f in out["findings"]), sorted(expected["finding_codes"]))
                    for finding in out["findings"]:
                        self.assertEqual(set(finding), {"code", "path", "message"})
                else:
                    self.assertEqual(result.returncode, 1)
                    self.assertEqual(out["error"]["class"], expected["error"])
                    self.assertTrue(out["error"]["message"])
                    self.assertIn("path", out["error"])

    def test_human_form_shows_summary_tree_and_findings(self):
        result = run("inspect", str(FIXTURES / "nir" / "paper_cnn_sinabs.nir"))
        self.assertEqual(result.returncode, 0)
        self.assertIn("parameters  66800 (small)", result.stdout)
        self.assertIn("Conv2d", result.stdout)
        self.assertIn("float32(16, 2, 5, 5)", result.stdout)
        self.assertIn("Findings (5)", result.stdout)
        self.assertIn("legacy_missing_v_reset", result.stdout)
        # the graph reads in the order data flows (not by name: 0, 1, 10, 11 ...), each
        # node saying where its output goes
        graph = result.stdout.split("Graph\n")[1].split("\n\n")[0].splitlines()
        self.assertEqual([line.split()[0] for line in graph],
                         ["input"] + [str(i) for i in range(13)] + ["output"])
        self.assertEqual(graph[10].split()[:4], ["9", "Affine", "->", "10"])
        dangling = run("inspect", str(FIXTURES / "nir" / "dangling_edge.nir")).stdout
        self.assertIn("edge ghost -> phantom (no such node)", dangling)

    def test_an_unreadable_file_is_one_clear_line_on_stderr(self):
        result = run("inspect", str(FIXTURES / "nir" / "unsafe_soft_link.nir"))
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "")
        self.assertEqual(len(result.stderr.strip().splitlines()), 1)
        self.assertIn("unsafe_file", result.stderr)
        self.assertIn("/node/nodes/", result.stderr)


@unittest.skipUnless(HAVE_FIXTURES, SKIP_REASON)
class Validate(unittest.TestCase):
    def test_model_and_card_together(self):
        result = run("validate", "--model", str(FIXTURES / "nir" / "prim_lif.nir"),
                     "--card", str(FIXTURES / "cards" / "license_case_insensitive.json"), "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        out = json.loads(result.stdout)
        self.assertEqual(set(out), {"model", "card"})
        self.assertTrue(out["model"]["ok"])
        self.assertEqual(out["card"], {"valid": True, "license": "Apache-2.0", "errors": [], "warnings": []})

    def test_every_card_error_at_once(self):
        result = run("validate", "--card", str(FIXTURES / "cards" / "err_many_at_once.json"), "--json")
        self.assertEqual(result.returncode, 1)
        out = json.loads(result.stdout)
        self.assertEqual(set(out), {"card"})
        self.assertEqual(len(out["card"]["errors"]), 6)
        self.assertEqual(set(out["card"]["errors"][0]), {"pointer", "code", "message"})

    def test_a_bad_model_is_invalid(self):
        result = run("validate", "--model", str(FIXTURES / "nir" / "too_large_bomb.nir"), "--json")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(json.loads(result.stdout)["model"]["error"]["class"], "too_large")


@unittest.skipUnless(HAVE_FIXTURES, SKIP_REASON)
class Convert(unittest.TestCase):
    def test_a_legacy_file_converts_without_findings(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = pathlib.Path(tmp) / "out.nir"
            result = run("convert", str(FIXTURES / "nir" / "legacy_no_v_reset.nir"), str(out))
            self.assertEqual(result.returncode, 0, result.stderr)
            report = json.loads(run("inspect", str(out), "--json").stdout)
            self.assertTrue(report["ok"])
            self.assertEqual(report["findings"], [])
            self.assertEqual(report["extract"]["nir_version"], "1.0.7")
            self.assertEqual(report["extract"]["parameter_count"], 69)

    def test_an_unreadable_input_writes_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = pathlib.Path(tmp) / "out.nir"
            result = run("convert", str(FIXTURES / "nir" / "not_hdf5_truncated.nir"), str(out))
            self.assertEqual(result.returncode, 1)
            self.assertIn("not_hdf5", result.stderr)
            self.assertEqual(list(pathlib.Path(tmp).iterdir()), [])


class Usage(unittest.TestCase):
    def test_version_and_help(self):
        self.assertRegex(run("--version").stdout, r"synfire \d+\.\d+\.\d+")
        for command in ("inspect", "validate", "convert"):
            result = run(command, "--help")
            self.assertEqual(result.returncode, 0)
            self.assertIn("Usage", result.stdout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run("validate").returncode, 2)
        self.assertEqual(run("inspect").returncode, 2)
        self.assertEqual(run("frobnicate").returncode, 2)
        self.assertEqual(run().returncode, 2)

    def test_a_missing_file_is_named(self):
        result = run("inspect", "/no/such/model.nir")
        self.assertEqual(result.returncode, 1)
        self.assertIn("not_found", result.stderr)
        self.assertIn("/no/such/model.nir", result.stderr)

    def test_a_generated_card_validates_without_fixtures(self):
        with tempfile.TemporaryDirectory() as tmp:
            card = pathlib.Path(tmp) / "nir-card.json"
            card.write_text(json.dumps({"license": "mit", "tags": ["snn"]}))
            result = run("validate", "--card", str(card))
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("license MIT", result.stdout)


if __name__ == "__main__":
    unittest.main()
