"""The sources panel highlights what the checker accepted: the evidence spans
it returned (rag/cite.py SentenceCheck.spans), not a second scoring of its
own; answers stored before the spans were recorded still render as then."""

import json
import re

from index.chunk import Chunk
from rag.cite import Citation, check_answer
from rag.records import Answer, passages_of
from rag.query import analyse_query
from rag.retrieve import Hit
from rag.transcript import answer_from_record, answer_record
from ui.render import sources_html

# The same fact twice in one passage, the second time in the words of the answer: a re-scoring
# without the question marks the second; the checker, told the question, accepted the first.
PASSAGE = ("وغاب بوتين عن قمة بريكس لأن جنوب أفريقيا عضو في المحكمة الجنائية الدولية. "
           "وقال المتحدث إن الطقس كان حارا في جوهانسبرغ. "
           "وغاب بوتين عن قمة بريكس في جوهانسبرغ.")
QUESTION = "لماذا غاب بوتين عن قمة بريكس في جوهانسبرغ؟"
ANSWER = "غاب بوتين عن قمة بريكس لأن جنوب أفريقيا عضو في المحكمة الجنائية الدولية [1]."


def _answer() -> Answer:
    hits = [Hit(Chunk("c1", "a", "T", "a.txt", 0, len(PASSAGE), PASSAGE), 1.0)]
    text, cites, checks, _ = check_answer(ANSWER, hits, 0.3, analyse_query(QUESTION))
    return Answer(question=QUESTION, query=QUESTION, text=text, language="ar", mode="extractive", abstained=False,
                  citations=cites, sentences=checks, passages=passages_of(hits, {1}), confidence=0.9)


def _marked(html: str) -> list[str]:
    return re.findall(r'<mark class="rag-hl">(.*?)</mark>', html)


def test_the_checker_returns_where_its_evidence_is():
    ans = _answer()
    (check,) = ans.sentences
    (n, a, b), = check.spans
    assert n == 1 and PASSAGE[a:b] == check.evidence and PASSAGE[a:b].startswith("وغاب بوتين عن قمة بريكس لأن")


def test_the_panel_highlights_exactly_the_checked_evidence():
    ans = _answer()
    n, a, b = ans.sentences[0].spans[0]
    assert _marked(sources_html(ans)) == [PASSAGE[a:b]]
    # and it is the span that counts, not the evidence text: another span is highlighted as given
    moved = Answer(**{**ans.__dict__, "sentences": [type(ans.sentences[0])(**{**ans.sentences[0].__dict__,
                                                                               "spans": ((1, 0, 8),)})]})
    assert _marked(sources_html(moved)) == [PASSAGE[0:8]]


def test_a_stored_answer_keeps_its_spans_and_an_old_one_still_renders():
    ans = _answer()
    record = json.loads(json.dumps(answer_record(ans)))
    assert answer_from_record(record) == ans
    # A record written before spans were recorded (no "spans" key, evidence text only).
    old = json.loads(json.dumps(record))
    for s in old["sentences"]:
        del s["spans"]
    rebuilt = answer_from_record(old)
    assert rebuilt.sentences[0].spans is None
    assert _marked(sources_html(rebuilt)) == [ans.sentences[0].evidence]
    # even older: no evidence text either; the passage sentences the answer overlaps with are marked
    for s in old["sentences"]:
        del s["evidence"]
    assert _marked(sources_html(answer_from_record(old)))


def test_citations_name_the_passage_they_are_numbered_as():
    ans = _answer()
    assert all(isinstance(c, Citation) and ans.passages[c.n - 1].chunk_id == c.chunk_id for c in ans.citations)
