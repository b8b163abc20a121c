"""The generative path with a model whose output is known: the real HTTP
generator (rag/http_generator.py OpenAIHTTPGenerator) against the stand-in server
(eval/bench/standin_llm.py) returning a fixed answer.  Unlike the real model's
(tests/test_llm.py), these answers are the same on every machine, so the tests
say exactly what is kept and what is replaced: a generator that writes nothing,
or garbage, fails them."""

import json

from eval.bench.standin_llm import standin_llm
from index.store import IndexStore
from rag.answer import Answer, Assistant, Checking
from rag.cite import strip_markers
from rag.http_generator import OpenAIHTTPGenerator
from rag.notices import Code
from rag.settings import load_settings

BRICS = "لماذا تغيب بوتين عن قمة بريكس؟"

# Every word is in the passage that says why (or a connective): a grounded answer in the model's own words.
GROUNDED = "لم يحضر بوتين قمة البريكس لأن جنوب أفريقيا عضو في المحكمة الجنائية الدولية."
# Fluent, on topic, and stated nowhere in the articles.
UNSUPPORTED = "تغيب بوتين عن قمة بريكس بسبب إصابته بالزكام في موسكو."
REPLACED = {Code.MODEL_UNSUPPORTED, Code.MODEL_EMPTY, Code.LLM_FAILED, Code.LLM_UNAVAILABLE}


def _ask(index, reply: str) -> tuple[Answer, list]:
    with standin_llm(0.0, reply) as srv:
        s = load_settings(env={}).replace(index=index, llm_url=srv.url)
        events = list(Assistant(s, store=IndexStore.load(index), generator=OpenAIHTTPGenerator(srv.url))
                      .stream(BRICS, mode="generative"))
    ans = events[-1]
    assert isinstance(ans, Answer) and isinstance(events[0], Checking)
    assert "".join(e for e in events if isinstance(e, str)).strip() == ans.text  # what streamed is the answer
    return ans, events


def _cites_what_it_shows(ans: Answer) -> None:
    """Each citation is the passage shown under its number, and each checked
    sentence's evidence span is in that passage."""
    assert ans.citations
    for c in ans.citations:
        assert ans.passages[c.n - 1].chunk_id == c.chunk_id and ans.passages[c.n - 1].cited
    for s in ans.sentences:
        assert s.supported and s.spans
        for n, a, b in s.spans:
            assert ans.passages[n - 1].text[a:b] == s.evidence


def test_a_grounded_generated_answer_is_kept(built_index):
    ans, _ = _ask(built_index, GROUNDED)
    assert ans.mode == "generative" and ans.model.startswith("stand-in @") and not ans.abstained
    assert ans.raw == GROUNDED and ans.rejected == 0
    assert not {n.code for n in ans.notices} & REPLACED, ans.notices
    assert strip_markers(ans.text) == GROUNDED  # the model's sentence, with the citation the checker found
    assert [s.text for s in ans.sentences] == [GROUNDED]
    assert "المحكمة الجنائية الدولية" in ans.sentences[0].evidence
    _cites_what_it_shows(ans)


def test_an_unsupported_generated_answer_is_replaced_by_the_evidence(built_index):
    ans, events = _ask(built_index, UNSUPPORTED)
    assert ans.mode == "extractive" and ans.raw == UNSUPPORTED and ans.rejected == 1
    assert Code.MODEL_UNSUPPORTED in {n.code for n in ans.notices}
    assert "الزكام" not in "".join(e for e in events if isinstance(e, str))  # never shown, not even for a moment
    assert "المحكمة الجنائية الدولية" in ans.text
    _cites_what_it_shows(ans)


def test_a_model_that_writes_nothing_is_said(built_index):
    ans, _ = _ask(built_index, "")
    assert ans.mode == "extractive" and ans.raw == "" and Code.MODEL_EMPTY in {n.code for n in ans.notices}


def test_cli_ask_keeps_the_generated_answer(built_index, capsys, monkeypatch):
    from rag.cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with standin_llm(0.0, GROUNDED) as srv:
        capsys.readouterr()
        code = main(["ask", BRICS, "--index", str(built_index), "--llm-url", srv.url, "--mode", "generative", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert code == 0 and d["mode"] == "generative" and strip_markers(d["answer"]) == GROUNDED
    assert d["citations"] and not {n["code"] for n in d["notices"]} & {c.value for c in REPLACED}


def test_the_checked_sentences_stream_one_by_one(built_index):
    """Two grounded sentences: each is shown as its own piece, once checked."""
    ans, events = _ask(built_index, GROUNDED + " " + GROUNDED)
    pieces = [e for e in events if isinstance(e, str)]
    assert ans.mode == "generative" and len(pieces) == 2 and len(ans.sentences) == 2
