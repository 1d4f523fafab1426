"""The examples of docs/cli.md and docs/python.md, run in order against a live server."""
import hashlib
import re
import subprocess
import sys

from conftest import ROOT


def blocks(doc, language):
    return re.findall(rf"^```{language}\n(.*?)^```", (ROOT / "docs" / doc).read_text(), re.S | re.M)


def test_cli_examples(server, account, home, models):
    home.release_files(models / "conv_classifier.nir", notes="# 1.0.0\nFirst release.\n")
    (home.work / "token.txt").write_text(account + "\n")
    script = "\n".join(blocks("cli.md", "sh"))
    assert "synfire push" in script and "synfire pull" in script
    run = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=home.work, env=home.env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (run.stdout, run.stderr)
    assert "Published nrg-lab/snn-classifier 1.0.0" in run.stdout
    assert "exit code 5" in run.stdout and "releases are immutable" in run.stderr
    digest = hashlib.sha256((home.work / "model.nir").read_bytes()).hexdigest()
    assert f"{digest}  ./models/model.nir" in run.stdout
    assert (home.work / "models-offline" / "model.nir").exists()
    assert (home.work / "ci-token.txt").read_text().startswith("sf_")
    assert not (home.config / "synfire" / "credentials").read_text().count(account)  # logged out


def test_python_examples(server, account, home, models):
    home.release_files(models / "conv_classifier.nir")
    home.login(account)
    script = "\n".join(blocks("python.md", "python"))
    assert "client.push(" in script and "client.pull(" in script
    run = subprocess.run([sys.executable, "-c", script], cwd=home.work, env=home.env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, (run.stdout, run.stderr)
    assert "already exists, and releases are immutable" in run.stdout
    assert "models/model.nir" in run.stdout
    assert "True MIT []" in run.stdout
