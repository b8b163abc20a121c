import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "data" / "articles"
CHROMIUM = "/usr/bin/chromium"
# without the background-networking flags Chromium's calls home are refused by the closed network, many at a time
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private copy of the bundled articles."""
    dst = tmp_path / "articles"
    shutil.copytree(ARTICLES, dst)
    return dst


@pytest.fixture(scope="session")
def built_index(tmp_path_factory) -> Path:
    """The bundled corpus indexed once with the offline embedder (read-only for tests)."""
    from index.build import build_index

    root = tmp_path_factory.mktemp("index") / "idx"
    build_index(ARTICLES, root)
    return root


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (skips without it, unless
    RAG_REQUIRE_BROWSER=1 makes that a failure, as in CI)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("RAG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} not found and RAG_REQUIRE_BROWSER=1 (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium); set RAG_REQUIRE_BROWSER=1 to fail instead")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
