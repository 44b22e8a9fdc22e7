"""Defect 8 of the trust issue: the production static build (DEBUG off: WhiteNoise's compressed
manifest storage) must succeed, or `docker compose up --build` fails. Runs `collectstatic` as the
Dockerfile does, in a subprocess with production settings, into a temporary STATIC_ROOT."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_collectstatic_with_the_manifest_storage(tmp_path):
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        DEBUG="false",
        SECRET_KEY="build-only-collectstatic",
        STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="playbook.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    assert "vendor/chartjs/chart.umd.min.js" in manifest
    assert "css/app.css" in manifest
    hashed = tmp_path / "static" / manifest["vendor/chartjs/chart.umd.min.js"]
    assert hashed.exists() and Path(f"{hashed}.gz").exists()
