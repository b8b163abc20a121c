"""A stand-in for an OpenAI-compatible LLM server (vLLM, llama.cpp's server on a GPU):
it takes ``delay`` seconds per answer however many it is asked for at once, and
counts how many answers were in flight together.  What it measures is the chat
around the model (does it ask for several answers at once?), not the model.
Tests give it a fixed ``reply`` (a grounded answer, an unsupported one) to see
what the chat does with it, deterministically.

For the LLM deadline tests it also misbehaves on request: ``keepalive`` sends a
keep-alive line (": ping") that often during the delay instead of silence;
``trickle`` sends one byte of a never-finished line that often; ``token_delay``
writes the reply one word at a time, that long apart.
"""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = "لا تذكر المقالات ذلك."  # an honest refusal: the chat's checker has nothing to reject


class StandInLLM(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, delay: float, reply: str = REPLY, keepalive: float = 0.0, trickle: float = 0.0,
                 token_delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay, self.reply = delay, reply
        self.keepalive, self.trickle, self.token_delay = keepalive, trickle, token_delay
        self.in_flight = self.most = self.answered = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/v1"

    def reset(self, idle_s: float = 30.0) -> None:
        """Start counting afresh, once nothing is in flight (the chat's warm-up
        request at start may still be: it was counted as a second answer at once)."""
        end = time.monotonic() + idle_s
        while self.in_flight and time.monotonic() < end:
            time.sleep(0.05)
        with self.lock:
            self.most = self.answered = 0


class _Handler(BaseHTTPRequestHandler):
    server: StandInLLM

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # /v1/models: the chat checks the server is there
        body = json.dumps({"data": [{"id": "stand-in"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        srv = self.server
        with srv.lock:
            srv.in_flight += 1
            srv.most = max(srv.most, srv.in_flight)
        counted = False
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self._wait(srv)
            for i, word in enumerate(re.findall(r"\S+\s*", srv.reply)):  # word by word, as a server streams
                if i and srv.token_delay:
                    time.sleep(srv.token_delay)
                piece = {"choices": [{"delta": {"content": word}}]}
                self.wfile.write(f"data: {json.dumps(piece, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            counted = self._done(srv)  # before [DONE]: a client that has read it may ask again at once
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: what a deadline does
            pass
        finally:
            if not counted:
                self._done(srv)

    @staticmethod
    def _done(srv: StandInLLM) -> bool:
        with srv.lock:
            srv.in_flight -= 1
            srv.answered += 1
        return True

    def _wait(self, srv: StandInLLM) -> None:
        """The delay before the answer: silence, keep-alive lines, or a line trickled byte by byte."""
        step = srv.keepalive or srv.trickle
        if not step:
            time.sleep(srv.delay)
            return
        end = time.monotonic() + srv.delay
        while time.monotonic() < end:
            self.wfile.write(b": ping\n\n" if srv.keepalive else b"x")
            self.wfile.flush()
            time.sleep(step)
        if srv.trickle:
            self.wfile.write(b"\n\n")


@contextmanager
def standin_llm(delay: float, reply: str = REPLY, **kw):
    """A running stand-in server (``kw``: StandInLLM's misbehaviours), shut down afterwards."""
    srv = StandInLLM(delay, reply, **kw)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
