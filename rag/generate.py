"""Generators: llama.cpp in-process here, or any OpenAI-compatible HTTP server
(rag/http_generator.py); rag/generators.py loads them and keeps them loaded.

Both stream text pieces.  Callers pass chat messages; a model without a chat
template gets them flattened into a completion prompt.
"""

from __future__ import annotations

import os
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
