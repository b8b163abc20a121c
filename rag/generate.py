"""Generators: llama.cpp in-process, or any OpenAI-compatible HTTP server.

Both stream text pieces.  Callers pass chat messages; a model without a chat
template gets them flattened into a completion prompt.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from pathlib import Path
from typing import Iterator, Protocol

from index.errors import ModelError

Messages = list[dict[str, str]]


# A base model repeats itself without a stronger penalty; chat models need less.
# The benchmark imports these so it measures what the chat runs.
COMPLETION_REPEAT_PENALTY = 1.15
CHAT_REPEAT_PENALTY = 1.1

class GenerationError(ModelError):
    """The LLM failed or timed out while answering."""


class Generator(Protocol):
    name: str
    context_size: int
    chat: bool  # True when the model has a chat template (instruct model)

    def count_tokens(self, text: str) -> int: ...

    def stream(self, messages: Messages, max_tokens: int, temperature: float, stop: list[str],
               deadline: float | None = None) -> Iterator[str]:
        """Text pieces as the model writes them; past ``deadline`` (time.monotonic()) it stops with
        GenerationError, prompt processing included."""
        ...


def flatten(messages: Messages) -> str:
    """A completion prompt for base models: system text, then user text, then
    the assistant cue the user message ends with."""
    return "\n\n".join(m["content"] for m in messages if m["role"] in ("system", "user")).rstrip() + "\n"


_LOG_CALLBACK = None


def _silence_llama_logs() -> None:
    """llama.cpp prints context details to stderr even with verbose=False."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def _quiet(level, text, user_data):  # noqa: ARG001
        return None

    _LOG_CALLBACK = _quiet  # keep a reference: C holds only a pointer
    llama_cpp.llama_log_set(_quiet, ctypes.c_void_p())


def default_threads(cores: int | None = None) -> int:
    """llama.cpp threads when the settings say 0: one core left for everything else.

    Why: llama.cpp's threads wait for each other at every step, so one that the OS
    deschedules stalls them all.  On this 2-core machine, with two other busy processes,
    2 threads decoded at 0.6-25 tok/s and 1 thread at 37-59; on an idle machine 1 and 2
    threads decode alike (75 / 79 tok/s) and 2 only shorten prompt processing (first
    token 0.43 s against 0.70 s for ~300 prompt tokens).

    >>> default_threads(2), default_threads(8), default_threads(1)
    (1, 7, 1)
    """
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)


class LlamaCppGenerator:
    """A GGUF model run in-process by llama-cpp-python.

    One lock per model: llama.cpp contexts are not thread-safe, so concurrent
    chat sessions queue here.
    """

    def __init__(self, model_path: Path, n_ctx: int = 0, n_threads: int = 0, max_ctx: int = 4096, seed: int = 42):
        try:
            from llama_cpp import Llama
        except ImportError as e:
            raise ModelError("llama-cpp-python is not installed: pip install llama-cpp-python") from e
        model_path = Path(model_path)
        if not model_path.is_file():
            raise ModelError(f"GGUF file {model_path} does not exist.")
        with model_path.open("rb") as fh:
            if fh.read(4) != b"GGUF":
                raise ModelError(f"{model_path} is not a GGUF model file (bad header). Re-download it.")
        threads = n_threads or default_threads()
        _silence_llama_logs()
        try:
            self._llm = Llama(
                model_path=str(model_path), n_ctx=n_ctx or max_ctx, n_threads=threads,
                n_threads_batch=threads, seed=seed, verbose=False,
            )
        except Exception as e:  # llama.cpp raises ValueError on damaged files
            raise ModelError(f"Could not load {model_path.name}: {e}. The file may be damaged; re-download it.") from e
        meta = self._llm.metadata or {}
        train_ctx = next((int(v) for k, v in meta.items() if k.endswith(".context_length")), 0)
        if not n_ctx and train_ctx and train_ctx < self._llm.n_ctx():
            self._llm = Llama(model_path=str(model_path), n_ctx=train_ctx, n_threads=threads,
                              n_threads_batch=threads, seed=seed, verbose=False)
        self.name = model_path.name
        self.path = model_path
        self.context_size = self._llm.n_ctx()
        self.chat = bool(meta.get("tokenizer.chat_template"))
        self._lock = threading.Lock()
        self._deadline: float | None = None
        self._abort_when_late()

    def _abort_when_late(self) -> None:
        """llama.cpp asks this callback between graph nodes whether to stop: a
        deadline then holds inside prompt processing too.  Checking only between
        tokens, a 60,000-character question took 143 s against a 120 s limit; a
        3,000-token prompt that takes 17 s to process is stopped at 0.5 s."""
        import llama_cpp

        @llama_cpp.ggml_abort_callback
        def late(_data) -> bool:
            return self._deadline is not None and time.monotonic() > self._deadline

        self._late = late  # keep a reference: C holds only a pointer
        llama_cpp.llama_set_abort_callback(self._llm._ctx.ctx, late, None)

    def close(self) -> None:
        """Free the model (after the answer in flight on it, if any); later streams fail."""
        with self._lock:
            llm, self._llm = self._llm, None
            if llm is not None:
                llm.close()

    def count_tokens(self, text: str) -> int:
        if self._llm is None:
            raise GenerationError("The model was unloaded (another model was chosen); ask again.")
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(self, messages: Messages, max_tokens: int = 256, temperature: float = 0.1,
               stop: list[str] | None = None, deadline: float | None = None) -> Iterator[str]:
        # The wait for the model (another answer in flight holds it) counts
        # against the deadline too: it was unbounded.
        wait = -1 if deadline is None else max(0.0, deadline - time.monotonic())
        if not self._lock.acquire(timeout=wait):
            raise GenerationError("The model was busy with other answers past the time limit; ask again.")
        try:
            if self._llm is None:
                raise GenerationError("The model was unloaded (another model was chosen); ask again.")
            self._deadline = deadline
            try:
                if self.chat:
                    it = self._llm.create_chat_completion(
                        messages=messages, max_tokens=max_tokens, temperature=temperature, stream=True,
                        stop=stop or None, repeat_penalty=CHAT_REPEAT_PENALTY,
                    )
                    for part in it:
                        piece = part["choices"][0].get("delta", {}).get("content")
                        if piece:
                            yield piece
                else:
                    it = self._llm(
                        flatten(messages), max_tokens=max_tokens, temperature=temperature, stream=True,
                        stop=stop or None, repeat_penalty=COMPLETION_REPEAT_PENALTY,
                    )
                    for part in it:
                        piece = part["choices"][0].get("text")
                        if piece:
                            yield piece
            except ValueError as e:  # e.g. prompt longer than the context
                raise GenerationError(f"The model could not answer: {e}") from e
            except RuntimeError as e:  # llama_decode returned 2: aborted by the deadline
                if deadline is not None and time.monotonic() > deadline:
                    raise GenerationError("The model ran past its time limit while reading the prompt.") from None
                raise GenerationError(f"The model could not answer: {e}") from e
            finally:
                self._deadline = None
        finally:
            self._lock.release()


class OpenAIHTTPGenerator:
    """Any server speaking the OpenAI chat API (llama.cpp server, vLLM, ...)."""

    def __init__(self, url: str, model: str = "", timeout: float = 120.0, context_size: int = 4096):
        self.base = url.rstrip("/")
        if not self.base.endswith("/v1"):
            self.base += "/v1"
        self.model = model
        self.timeout = timeout
        self.name = f"{model or 'model'} @ {self.base}"
        self.context_size = context_size
        self.chat = True
        try:
            import httpx

            r = httpx.get(f"{self.base}/models", timeout=min(timeout, 10.0))
            r.raise_for_status()
            ids = [m.get("id") for m in r.json().get("data", [])]
            if not self.model and ids:
                self.model = ids[0]
                self.name = f"{self.model} @ {self.base}"
        except Exception as e:
            raise ModelError(f"No OpenAI-compatible server answers at {self.base} ({e}). Start it or fix --llm-url.") from e

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 3)  # the server's tokenizer is not ours; a safe over-estimate for Arabic

    def stream(self, messages: Messages, max_tokens: int = 256, temperature: float = 0.1,
               stop: list[str] | None = None, deadline: float | None = None) -> Iterator[str]:
        """The server's pieces until ``deadline`` (else ``timeout`` from now), a
        total: httpx's timeout is per read, so a server trickling keep-alive lines
        or one byte at a time was never stopped.  A reader thread hands lines over;
        waiting for the next one is bounded by the time left."""
        end = deadline if deadline is not None else time.monotonic() + self.timeout
        body = {"model": self.model or "default", "messages": messages, "max_tokens": max_tokens,
                "temperature": temperature, "stream": True}
        if stop:
            body["stop"] = stop
        lines: queue.Queue = queue.Queue()
        done = threading.Event()
        threading.Thread(target=self._read, args=(body, end, lines, done), daemon=True,
                         name="llm-http-reader").start()
        try:
            while True:
                left = end - time.monotonic()
                try:
                    item = lines.get(timeout=max(0.0, left)) if left > 0 else lines.get_nowait()
                except queue.Empty:
                    raise GenerationError(f"The LLM server at {self.base} took longer than its time limit "
                                          f"({self.timeout:.0f}s).") from None
                if item is None:
                    return
                if isinstance(item, Exception):
                    raise item
                if time.monotonic() > end:  # keep-alive lines arrive in time but say nothing
                    raise GenerationError(f"The LLM server at {self.base} took longer than its time limit "
                                          f"({self.timeout:.0f}s).")
                if not item.startswith("data:"):
                    continue
                data = item[5:].strip()
                if data == "[DONE]":
                    return
                try:
                    piece = json.loads(data)["choices"][0].get("delta", {}).get("content")
                except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
                    raise GenerationError(f"LLM server at {self.base} sent a malformed piece: {e}") from None
                if piece:
                    yield piece
        finally:
            done.set()  # the reader stops at its next line (or its read timeout, at the deadline)

    def _read(self, body: dict, end: float, lines: queue.Queue, done: threading.Event) -> None:
        import httpx

        try:
            # Each read is bounded by the time left at the start; the consumer
            # enforces the total deadline, this only ends an abandoned reader.
            timeout = max(0.1, end - time.monotonic())
            with httpx.stream("POST", f"{self.base}/chat/completions", json=body, timeout=timeout) as r:
                if r.status_code >= 400:
                    r.read()
                    lines.put(GenerationError(f"LLM server error {r.status_code}: {r.text[:300]}"))
                    return
                for line in r.iter_lines():
                    if done.is_set():
                        return
                    lines.put(line)
            lines.put(None)
        except httpx.HTTPError as e:
            lines.put(GenerationError(f"LLM server at {self.base} failed: {e}"))
        except Exception as e:  # noqa: BLE001 - handed to the consumer, raised there
            lines.put(GenerationError(f"LLM server at {self.base} failed: {type(e).__name__}: {e}"))


def with_deadline(pieces: Iterator[str], seconds: float, end: float | None = None) -> Iterator[str]:
    """Stop (with GenerationError) when a stream runs past its time budget
    (``end``, time.monotonic(), when the stream was given it too)."""
    end = end if end is not None else time.monotonic() + seconds
    try:
        for p in pieces:
            yield p
            if time.monotonic() > end:
                raise GenerationError(f"The model took longer than {seconds:.0f}s.")
    finally:
        close = getattr(pieces, "close", None)
        if close:
            close()  # releases the model lock at once


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
