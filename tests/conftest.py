import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "data" / "articles"


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
