"""A stand-in for an OpenAI-compatible LLM server (vLLM, llama.cpp's server on a GPU):
it takes ``delay`` seconds per answer however many it is asked for at once, and
counts how many answers were in flight together.  What it measures is the chat
around the model (does it ask for several answers at once?), not the model.
Tests give it a fixed ``reply`` (a grounded answer, an unsupported one) to see
what the chat does with it, deterministically.
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

    def __init__(self, delay: float, reply: str = REPLY):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay = delay
        self.reply = reply
        self.in_flight = self.most = self.answered = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/v1"

    def reset(self) -> None:
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
        try:
            time.sleep(srv.delay)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for word in re.findall(r"\S+\s*", srv.reply):  # streamed word by word, as a server does
                piece = {"choices": [{"delta": {"content": word}}]}
                self.wfile.write(f"data: {json.dumps(piece, ensure_ascii=False)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
        finally:
            with srv.lock:
                srv.in_flight -= 1
                srv.answered += 1


@contextmanager
def standin_llm(delay: float, reply: str = REPLY):
    """A running stand-in server, shut down afterwards."""
    srv = StandInLLM(delay, reply)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
