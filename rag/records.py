"""What an answer is, as every layer sees it: the answer with its checked
sentences, citations and passages (``Answer``), the stream event of a sentence
being checked (``Checking``), and the codes of why a mode answered."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .cite import Citation, SentenceCheck
from .notices import Notice
from .retrieve import Hit

MODES = ("auto", "generative", "extractive")
# Why this mode answered (Answer.why_mode; the CLI and UI translate the code).
WHY_CHOSEN, WHY_BASE, WHY_INSTRUCT, WHY_SERVER, WHY_NO_LLM = (
    "chosen", "base_model", "instruct_model", "llm_server", "llm_unavailable")


@dataclass(frozen=True)
class Checking:
    """Stream event: the model is writing a sentence that is not shown until checked."""

    kept: int  # sentences shown so far


@dataclass(frozen=True)
class Passage:
    n: int
    chunk_id: str
    article_id: str
    title: str
    source: str
    start: int
    end: int
    text: str
    score: float
    dense: float | None
    bm25: float | None
    cited: bool


@dataclass(frozen=True)
class Answer:
    question: str
    query: str  # the standalone query retrieval used (rewritten follow-ups)
    text: str
    language: str
    mode: str  # the mode that produced the text (a failed LLM falls back to extractive)
    abstained: bool
    citations: list[Citation]
    sentences: list[SentenceCheck]
    passages: list[Passage]
    confidence: float
    notices: list[Notice] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    model: str = ""
    raw: str = ""  # the model's own text before checking
    why_mode: str = WHY_CHOSEN  # why this mode answered (WHY_* codes)
    why_abstained: str = ""  # abstain.* code when abstained
    rejected: int = 0  # generated sentences the check kept from the user

    def to_dict(self) -> dict:
        d = asdict(self)
        d["answer"] = d.pop("text")
        d["notices"] = [{**asdict(n), "message": n.english()} for n in self.notices]
        return d


def passages_of(hits: list[Hit], cited: set[int]) -> list[Passage]:
    return [
        Passage(n=n, chunk_id=h.chunk.id, article_id=h.chunk.article_id, title=h.chunk.title, source=h.chunk.source,
                start=h.chunk.start, end=h.chunk.end, text=h.chunk.text, score=round(h.score, 6), dense=h.dense,
                bm25=h.lexical, cited=n in cited)
        for n, h in enumerate(hits, 1)
    ]
