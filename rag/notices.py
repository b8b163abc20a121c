"""Notices: what the library tells the user about an answer, as typed values.

A notice is a code plus the numbers and detail it needs; the CLI prints it in
English (``english``), the chat in the browser's language (ui/render.py), and
tests assert the code, never the wording.  Before this, notices travelled as
English sentences that the UI parsed back with nine regexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Code(StrEnum):
    QUESTION_TRUNCATED = "question_truncated"  # count: length, total: characters kept
    QUESTION_BAD_CHARS = "question_bad_chars"  # count: characters dropped
    OTHER_LANGUAGE = "other_language"  # neither Arabic nor English: answered in Arabic
    LLM_UNAVAILABLE = "llm_unavailable"  # detail: why, and what to do
    LLM_FAILED = "llm_failed"  # detail: the error
    PASSAGES_TRIMMED = "passages_trimmed"  # count: passages shown, total: retrieved
    CITATIONS_DROPPED = "citations_dropped"  # count
    SENTENCES_REJECTED = "sentences_rejected"  # count
    MODEL_UNSUPPORTED = "model_unsupported"  # nothing the model wrote passed the check
    MODEL_EMPTY = "model_empty"  # the model wrote nothing
    ARTICLES_DISAGREE = "articles_disagree"  # count, total: the two passages' numbers


# Notices that say the LLM asked for was not used (the CLI's exit code 4).
LLM_NOT_USED = frozenset({Code.LLM_UNAVAILABLE, Code.LLM_FAILED})


@dataclass(frozen=True)
class Notice:
    code: Code
    count: int = 0
    total: int = 0
    detail: str = ""  # English, for the user to act on (a command, a path they gave)

    def english(self, with_detail: bool = True) -> str:
        """The notice for the CLI and for English readers; without its detail
        for a reader that shows the detail beside it (the chat).

        >>> Notice(Code.CITATIONS_DROPPED, 2).english()
        'Citations that pointed to no shown passage were removed: 2 citations.'
        >>> Notice(Code.CITATIONS_DROPPED, 1).english()
        'Citations that pointed to no shown passage were removed: 1 citation.'
        >>> Notice(Code.LLM_FAILED, detail='timed out').english()
        'The LLM failed (timed out); answered by extracting sentences instead.'
        >>> Notice(Code.LLM_FAILED, detail='timed out').english(with_detail=False)
        'The LLM failed; answered by extracting sentences instead.'
        """
        from .plural import count

        n_noun = _NOUNS.get(self.code)  # a count's noun in its plural form: "1 citation", "2 citations"
        text = _ENGLISH[self.code].format(n=count("en", self.count, n_noun) if n_noun else self.count, total=self.total)
        if not with_detail:
            return text
        if self.code in LLM_NOT_USED:
            text = text.replace(";", f" ({self.detail});", 1) if self.detail else text
        elif self.detail:
            text += f" ({self.detail})"
        return text

    @classmethod
    def from_dict(cls, d: dict) -> Notice:
        """Rebuild a stored notice (``dataclasses.asdict``); an unknown code
        from a newer version raises ValueError."""
        return cls(Code(d["code"]), int(d.get("count", 0)), int(d.get("total", 0)), str(d.get("detail", "")))


_NOUNS = {Code.QUESTION_BAD_CHARS: "char", Code.CITATIONS_DROPPED: "citation", Code.SENTENCES_REJECTED: "sentence"}
_ENGLISH = {
    Code.QUESTION_TRUNCATED: "The question was {n:,} characters long; its start and its end were used "
                             "({total:,} characters), the middle left out.",
    Code.QUESTION_BAD_CHARS: "{n} that were not valid UTF-8 were dropped from the question.",
    Code.OTHER_LANGUAGE: "Questions work best in Arabic or English; answering in Arabic.",
    Code.LLM_UNAVAILABLE: "LLM unavailable; answered by extracting sentences instead.",
    Code.LLM_FAILED: "The LLM failed; answered by extracting sentences instead.",
    Code.PASSAGES_TRIMMED: "Only {n} of {total} passages fit in the model's context.",
    Code.CITATIONS_DROPPED: "Citations that pointed to no shown passage were removed: {n}.",
    Code.SENTENCES_REJECTED: "Sentences of the model's answer were left out, not supported by the passages "
                             "or not about the question: {n}.",
    Code.MODEL_UNSUPPORTED: "The model's answer was not supported by the passages; showing the passages' best "
                            "sentences instead.",
    Code.MODEL_EMPTY: "The model wrote no text; showing the passages' best sentences instead.",
    Code.ARTICLES_DISAGREE: "The articles disagree on this: passages [{n}] and [{total}] say opposite things.",
}
