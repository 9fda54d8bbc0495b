"""`khabar demo` end to end: every bundled sample ingested and extracted with the real pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_end_to_end_and_rerun(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    cmd = [sys.executable, "-m", "khabar", "demo", "--db", str(db), "--no-progress"]
    env = {"COLUMNS": "100", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "11 new (1 linked to near-duplicates), 0 duplicate, 0 failed" in out
    for heading in ("Documents (11)", "Top actors", "Events (", "Claims ("):
        assert heading in out
    assert "Taliban" in out and "Islamic State Khorasan Province" in out
    assert "Pamir Observer" in out and "Steppe Wire" in out
    assert "not extracted" not in first.stderr

    stats = subprocess.run([sys.executable, "-m", "khabar", "--db", str(db), "stats", "--json"],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    counts = json.loads(stats.stdout)
    assert counts["documents"] == counts["extracted_documents"] == 11
    assert counts["events"] > 0 and counts["claims"] > 0

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert again.returncode == 0 and "0 new, 11 duplicate, 0 failed" in again.stdout
    assert json.loads(subprocess.run([sys.executable, "-m", "khabar", "--db", str(db), "stats", "--json"],
                                     capture_output=True, text=True, timeout=120, env=env).stdout) == counts


def test_demo_help_has_example() -> None:
    out = subprocess.run([sys.executable, "-m", "khabar", "demo", "--help"], capture_output=True, text=True,
                         timeout=120).stdout
    assert "Example" in out and "khabar demo" in out
