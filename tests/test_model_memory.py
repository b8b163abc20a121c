"""Choosing models in the chat: at most the default plus one other model stay
loaded, and replacing one frees it.  Real GGUF files, real llama.cpp loads,
the process's own RSS measured (no mock of the leak)."""

import gc
import os
import shutil
from pathlib import Path

import pytest
from conftest import ARTICLES

import rag.generators as generators
from rag.settings import load_settings


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def offered(tmp_path, monkeypatch):
    """Three copies of the bundled GGUF offered in the settings list (the
    models folder), the bundled one linked in so it is not assembled again."""
    from rag.models import bundled_gguf

    real = bundled_gguf()
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    try:
        os.link(real, home / "models" / real.name)
    except OSError:
        shutil.copy(real, home / "models" / real.name)
    paths = []
    for name in "abc":
        shutil.copy(real, home / "models" / f"{name}.gguf")
        paths.append(str(home / "models" / f"{name}.gguf"))
    monkeypatch.setenv("RAG_HOME", str(home))
    monkeypatch.setattr(generators, "_CACHE", {})
    monkeypatch.setattr(generators, "_PINNED", set(), raising=False)
    yield paths
    for gen in list(generators._CACHE.values()):
        getattr(gen, "close", lambda: None)()


@pytest.mark.slow
def test_switching_offered_models_keeps_at_most_two_loaded_and_memory_bounded(offered, built_index):
    """A, B, C, A, B, C took a chat from 606 to 1,006 to 1,407 MB, never down:
    every chosen model stayed loaded.  Now the previous choice is freed."""
    from ui.backend import Backend

    be = Backend(load_settings(env={}).replace(index=built_index, corpus=ARTICLES, mode="extractive"))
    names = [Path(m).name for m in offered]
    assert set(names) <= {v for _, v in be.model_choices()}  # offered by name, no server path
    be.assistant().generator()  # the default (bundled) model
    be.assistant(names[0]).generator()
    gc.collect()
    one_other = _rss_mb()
    per_model = Path(offered[0]).stat().st_size / 2**20
    highest = one_other
    for m in names[1:] + names + offered:  # by name, and by the offered path as before
        gen = be.assistant(m).generator()
        assert gen.count_tokens("تجربة") > 0  # the chosen model answers
        gc.collect()
        highest = max(highest, _rss_mb())
        assert len(generators._CACHE) <= 2  # the default and the chosen one
        assert len(be._assistants) <= 2
    # Before: each new choice added a whole model (~370 MB here); now at most the
    # default and one other, plus allocator slack well under one model.
    assert highest < one_other + per_model / 2, (one_other, highest)


def test_a_replaced_model_is_closed_and_says_so(offered, monkeypatch):
    """A generator freed while an old Assistant still holds it fails with the
    project's error, never a crash inside llama.cpp."""
    from rag.generate import GenerationError
    from rag.generators import get_generator

    a = get_generator(offered[0])
    get_generator(offered[1])  # nothing pinned: replaces the first
    assert [k[0] for k in generators.loaded_generators()] == [offered[1]]
    with pytest.raises(GenerationError):
        list(a.stream([{"role": "user", "content": "x"}], 2))
