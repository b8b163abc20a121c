"""The import contracts of pyproject.toml ([tool.importlinter]), checked by
import-linter as CI runs it: no import cycles between the modules of a
package, and the layers index <- rag <- ui, eval (ui and eval independent;
only rag/cli.py imports them).  Type-only imports (``if TYPE_CHECKING:``) do
not count."""

import os
import subprocess
import sys
import tomllib

from conftest import ROOT

# the console script is `lint-imports`; the package has no __main__, so run its click command
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    """`lint-imports` from the repository's root (import-linter adds the
    working directory to sys.path, so this checkout's packages are read)."""
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def test_the_import_contracts_are_kept():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert {c["type"] for c in contracts["contracts"]} >= {"layers", "acyclic_siblings"}
    run = lint_imports()
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert ", 0 broken." in out, out


def test_a_broken_contract_is_caught(tmp_path):
    """index above ui, which imports it: import-linter must say so and fail."""
    config = tmp_path / "broken.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["index", "ui"]\n\n'
                      '[[tool.importlinter.contracts]]\nname = "index above ui"\ntype = "layers"\n'
                      'layers = ["index", "ui"]\n', encoding="utf-8")
    run = lint_imports("--config", str(config))  # every 2.x takes --config (2.17 prefers a positional file)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "index above ui BROKEN" in out and "ui." in out and "-> index." in out, out
