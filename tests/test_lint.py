"""The lint rules of pyproject.toml ([tool.ruff.lint]: pycodestyle and
pyflakes, 120 columns), checked by ruff over the packages and the tests as
CI runs it: any finding fails, with ruff's report."""

import os
import subprocess
import sys

import pytest
from conftest import ROOT

pytest.importorskip("ruff", reason="ruff is not installed (it is in the test extras: pip install -e '.[test]')")


def test_ruff_finds_nothing():
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "rag", "index", "ui", "eval", "tests"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
