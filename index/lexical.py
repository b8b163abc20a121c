"""Lexical (BM25) index over normalised Arabic tokens, built with ``bm25s``.

The analyzer decides how words meet: ``word`` (normalised tokens only),
``stem`` (light prefix/suffix stripping), ``stem+skeleton`` (stems plus a
vowel-less skeleton so قيرغيزستان meets قرغيزستان) and ``ngram`` (character
3-grams).  ``rag eval`` compares them; the default is the best measured.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from .arabic import light_stem, normalize, skeleton, tokenize

DEFAULT_ANALYZER = "stem+skeleton"

# Question words and the most frequent function words: they carry no topic.
_STOP = set(
    tokenize(
        "من في على إلى الى عن أن ان إن مع ما ماذا لماذا متى أين اين كيف كم هل أي التي الذي الذين "
        "هذا هذه ذلك تلك هو هي هم كان كانت قد لقد لم لن لا او أو ثم بعد قبل عند حتى كل بين منذ "
        "وفي ومن وعلى وقد وهي وهو يا اسم عدد المذكور المذكوره ذكر تذكر الاخبار الخبر "
        "the a an of to in on at for is are was were did does do what "
        "why when where who how which whom with by from and or"
    )
)


def is_stopword(t: str) -> bool:
    """A question word or function word (on normalised tokens), also with a leading و.

    >>> is_stopword('ومتي'), is_stopword('بريكس')
    (True, False)
    """
    return t in _STOP or (t[:1] == "و" and t[1:] in _STOP)


def _words(text: str) -> list[str]:
    return [t for t in tokenize(text) if not is_stopword(t)]


@lru_cache(maxsize=1 << 18)
def _stem_forms(token: str) -> tuple[str, ...]:
    """Stem and (for Arabic) skeleton of one token; cached, since a corpus
    repeats a small vocabulary many times (this is most of the BM25 build)."""
    s = light_stem(token)
    if len(s) > 3 and "\u0600" <= s[0] <= "\u06ff":
        return (s, "~" + skeleton(s))
    return (s,)


def _stems(text: str) -> list[str]:
    return [_stem_forms(t)[0] for t in _words(text)]


def _stems_skeleton(text: str) -> list[str]:
    return [f for t in _words(text) for f in _stem_forms(t)]


def _ngrams(text: str, n: int = 3) -> list[str]:
    out = []
    for t in _words(text):
        w = f"#{t}#"
        out.extend(w[i : i + n] for i in range(max(1, len(w) - n + 1)))
    return out


ANALYZERS: dict[str, Callable[[str], list[str]]] = {
    "word": _words,
    "stem": _stems,
    "stem+skeleton": _stems_skeleton,
    "ngram": _ngrams,
}


def analyze(text: str, analyzer: str = DEFAULT_ANALYZER) -> list[str]:
    """Tokens the lexical index sees.

    >>> analyze('والمحكمة الجنائية', 'stem')
    ['محكم', 'جنا']
    """
    try:
        return ANALYZERS[analyzer](text)
    except KeyError:
        raise ValueError(f"unknown analyzer {analyzer!r}; choose from {', '.join(ANALYZERS)}") from None


TOKENS_FILE = "tokens.jsonl"


class LexicalIndex:
    def __init__(self, bm25, analyzer: str, num_docs: int, tokens: list[list[str]] | None = None):
        self._bm25 = bm25
        self.analyzer = analyzer
        self.num_docs = num_docs
        self.tokens = tokens  # per document, kept so an incremental build need not re-analyse

    @classmethod
    def build(cls, texts: list[str], analyzer: str = DEFAULT_ANALYZER,
              known: dict[int, list[str]] | None = None) -> "LexicalIndex":
        """Index ``texts``; ``known`` maps a text's position to tokens analysed before."""
        import bm25s

        known = known or {}
        docs = [known.get(i) or analyze(normalize(t), analyzer) or [""] for i, t in enumerate(texts)]
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if docs:
            bm25.index(docs, show_progress=False)
        return cls(bm25, analyzer, len(docs), docs)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "analyzer.txt").write_text(self.analyzer + "\n", encoding="utf-8")
        if self.num_docs:
            self._bm25.save(str(folder), show_progress=False)
        if self.tokens is not None:
            with (folder / TOKENS_FILE).open("w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in self.tokens)

    @staticmethod
    def saved_tokens(folder: Path, analyzer: str) -> list[list[str]] | None:
        """Per-document tokens of a saved index built with ``analyzer``, else None."""
        try:
            if (folder / "analyzer.txt").read_text(encoding="utf-8").strip() != analyzer:
                return None
            with (folder / TOKENS_FILE).open(encoding="utf-8") as fh:
                return [json.loads(line) for line in fh]
        except (OSError, ValueError):
            return None

    @classmethod
    def load(cls, folder: Path, num_docs: int) -> "LexicalIndex":
        import bm25s

        analyzer = (folder / "analyzer.txt").read_text(encoding="utf-8").strip()
        bm25 = bm25s.BM25.load(str(folder), show_progress=False) if num_docs else None
        return cls(bm25, analyzer, num_docs)

    def scores(self, query: str | list[str], extra: list[str] = ()) -> np.ndarray:
        """BM25 score of every document for the query (text, or its terms
        already analysed with this index's analyzer), plus ``extra`` analysed
        terms (zeros when no term matches)."""
        if not self.num_docs:
            return np.zeros(0, dtype=np.float32)
        terms = analyze(query, self.analyzer) if isinstance(query, str) else list(query)
        ids = self._bm25.get_tokens_ids(terms + [t for t in extra if t in self._bm25.vocab_dict])
        if not ids:
            return np.zeros(self.num_docs, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(ids), dtype=np.float32)

    def idf(self, terms: list[str]) -> dict[str, float]:
        """Inverse document frequency of analyzed terms.

        A term the corpus never uses gets the mean weight of the known terms:
        it may name something absent (منغوليا) or merely be a paraphrase
        (تغيب for غاب); the maximum weight made every paraphrased question
        look unanswerable on the eval set.
        """
        n = max(1, self.num_docs)
        indptr = self._bm25.scores["indptr"] if self.num_docs else None
        vocab = self._bm25.vocab_dict if self.num_docs else {}
        known: dict[str, float] = {}
        for t in terms:
            i = vocab.get(t)
            df = int(indptr[i + 1] - indptr[i]) if i is not None and i + 1 < len(indptr) else 0
            if df:
                known[t] = float(np.log(1 + n / (df + 0.5)))
        fill = sum(known.values()) / len(known) if known else float(np.log(1 + n / 0.5))
        return {t: known.get(t, fill) for t in terms}

    def known(self, terms) -> set[str]:
        """The analysed terms that occur in at least one indexed chunk."""
        vocab = self._bm25.vocab_dict if self.num_docs else {}
        return {t for t in terms if t in vocab}

    def top(self, query: str | list[str], k: int, extra: list[str] = ()) -> list[tuple[int, float]]:
        s = self.scores(query, extra)
        if not len(s):
            return []
        k = min(k, len(s))
        idx = np.argpartition(-s, k - 1)[:k]
        idx = idx[np.argsort(-s[idx], kind="stable")]
        return [(int(i), float(s[i])) for i in idx if s[i] > 0]
