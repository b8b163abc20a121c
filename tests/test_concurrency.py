"""With an LLM server (`--llm-url`), the chat writes several answers at once:
the server writes one answer while the chat retrieves and checks for another.
A real `rag chat` and a real HTTP server on loopback that speaks the OpenAI
streaming API and takes its time (it stands in for vLLM or llama.cpp's server:
what is measured is the chat, not the model)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_ui_browser import running_chat

pytestmark = pytest.mark.slow
DELAY = 2.0  # seconds the stand-in server takes per answer


class _SlowLLM(BaseHTTPRequestHandler):
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # /v1/models: the chat checks the server is there
        body = json.dumps({"data": [{"id": "slow"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most = max(cls.most, cls.in_flight)
        try:
            time.sleep(DELAY)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            piece = {"choices": [{"delta": {"content": "لا تذكر المقالات ذلك."}}]}
            self.wfile.write(f"data: {json.dumps(piece, ensure_ascii=False)}\n\ndata: [DONE]\n\n".encode())
        finally:
            with cls.lock:
                cls.in_flight -= 1


@pytest.fixture(scope="module")
def chat_on_a_server(tmp_path_factory):
    llm = ThreadingHTTPServer(("127.0.0.1", 0), _SlowLLM)
    threading.Thread(target=llm.serve_forever, daemon=True).start()
    env = {"RAG_LLM_URL": f"http://127.0.0.1:{llm.server_port}/v1", "RAG_MODE": "generative"}
    try:
        with running_chat(tmp_path_factory, "chat-llm-url", env) as srv:
            yield srv
    finally:
        llm.shutdown()


def test_answers_are_written_at_once_with_an_llm_server(chat_on_a_server):
    from gradio_client import Client

    questions = ["لماذا تغيب بوتين عن قمة بريكس؟", "متى زار بوتين قرغيزستان؟", "من سيرافق بوتين إلى كوريا الشمالية؟"]
    Client(chat_on_a_server.url, verbose=False).predict(questions[0], api_name="/ask")  # warm: index, embedder
    _SlowLLM.most = 0
    results, t0 = [], time.monotonic()

    def ask(q):
        results.append(Client(chat_on_a_server.url, verbose=False).predict(q, api_name="/ask"))

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    wall = time.monotonic() - t0
    assert len(results) == 3 and all(r["mode"] == "generative" for r in results), results
    assert _SlowLLM.most >= 2, _SlowLLM.most  # the server was asked for two answers at the same time
    assert wall < 3 * DELAY, wall  # one at a time would take at least three delays
