"""With an LLM server (`--llm-url`), the chat writes several answers at once:
the server writes one answer while the chat retrieves and checks for another.
A real `rag chat` and a real HTTP server on loopback that speaks the OpenAI
streaming API and takes its time (it stands in for vLLM or llama.cpp's server:
what is measured is the chat, not the model)."""

import threading
import time

import pytest
from test_ui_browser import running_chat

from eval.bench.standin_llm import standin_llm

pytestmark = pytest.mark.slow
DELAY = 2.0  # seconds the stand-in server takes per answer


@pytest.fixture(scope="module")
def llm():
    with standin_llm(DELAY) as srv:
        yield srv


@pytest.fixture(scope="module")
def chat_on_a_server(tmp_path_factory, llm):
    env = {"RAG_LLM_URL": llm.url, "RAG_MODE": "generative"}
    with running_chat(tmp_path_factory, "chat-llm-url", env) as srv:
        yield srv


def test_answers_are_written_at_once_with_an_llm_server(chat_on_a_server, llm):
    from gradio_client import Client

    questions = ["لماذا تغيب بوتين عن قمة بريكس؟", "متى زار بوتين قرغيزستان؟", "من سيرافق بوتين إلى كوريا الشمالية؟"]
    Client(chat_on_a_server.url, verbose=False).predict(questions[0], api_name="/ask")  # warm: index, embedder
    llm.reset()
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
    assert llm.most >= 2, llm.most  # the server was asked for two answers at the same time
    assert wall < 3 * DELAY, wall  # one at a time would take at least three delays
