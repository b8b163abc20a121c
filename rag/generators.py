"""The loaded generators: one per configuration, loaded once per process; the
chat's default model pinned, at most ``MAX_OTHERS`` others beside it."""

from __future__ import annotations

import threading

from .generate import Generator, LlamaCppGenerator
from .http_generator import OpenAIHTTPGenerator


# Loaded generators, one per (model, url, context, threads).  At most the pinned one (the
# chat's default model) and ``MAX_OTHERS`` others stay loaded: a chat whose clients chose
# three offered GGUFs in turn (A, B, C, A, B, C) kept every llama.cpp copy and grew
# 606 -> 1,006 -> 1,407 MB, never down.  Loading another frees the oldest unpinned one.
_CACHE: dict[tuple, Generator] = {}
_PINNED: set[tuple] = set()
_CACHE_LOCK = threading.Lock()
MAX_OTHERS = 1


def _key(llm_model: str, llm_url: str, n_ctx: int, threads: int) -> tuple:
    return (llm_model, llm_url, n_ctx, threads)


def pin_generator(llm_model: str = "", llm_url: str = "", n_ctx: int = 0, threads: int = 0) -> None:
    """Keep this generator loaded whatever else is loaded (the chat's default model)."""
    with _CACHE_LOCK:
        _PINNED.add(_key(llm_model, llm_url, n_ctx, threads))


def loaded_generators() -> list[tuple]:
    """The keys of the generators loaded now (for tests and the benchmark)."""
    with _CACHE_LOCK:
        return list(_CACHE)


def _free(gen: Generator) -> None:
    close = getattr(gen, "close", None)
    if close:
        close()  # waits for an answer in flight on it, then frees the model


def get_generator(llm_model: str = "", llm_url: str = "", n_ctx: int = 0, threads: int = 0,
                  timeout: float = 120.0) -> Generator:
    """The configured generator, loaded once per process; loading one besides
    the pinned and ``MAX_OTHERS`` others frees the oldest of those others first."""
    import gc

    from .models import resolve_llm

    key = _key(llm_model, llm_url, n_ctx, threads)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        others = [k for k in _CACHE if k not in _PINNED]
        freed = False
        while key not in _PINNED and len(others) >= MAX_OTHERS:
            _free(_CACHE.pop(others.pop(0)))  # freed before the next loads: memory holds two models at most
            freed = True
        if freed:
            gc.collect()
        if llm_url:
            _CACHE[key] = OpenAIHTTPGenerator(llm_url, model=llm_model, timeout=timeout)
        else:
            _CACHE[key] = LlamaCppGenerator(resolve_llm(llm_model), n_ctx=n_ctx, n_threads=threads)
        return _CACHE[key]
