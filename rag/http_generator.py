"""The generator for any server speaking the OpenAI chat API (llama.cpp
server, vLLM, ...): streams text pieces within a total deadline."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Iterator

from index.errors import ModelError

from .generate import GenerationError, Messages


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
            raise ModelError(f"No OpenAI-compatible server answers at {self.base} ({e}). "
                             "Start it or fix --llm-url.") from e

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
