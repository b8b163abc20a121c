"""Synthetic Arabic corpora of a requested size, benchmark queries, and the
stand-in embedder used above the largest really-embedded size.

Corpora are made by recombining the sentences of the bundled articles: each
synthetic article is a title line plus paragraphs of 2-4 sentences drawn at
random from the pool, and about half of the sentences get one word swapped
for another word of the corpus, so that chunks are (almost all) unique texts.
Article ``i`` depends only on ``(seed, i)``, so a smaller corpus is a prefix of
a larger one and real vectors of the smaller one can be reused at the larger.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from index.arabic import split_sentences
from index.chunk import ChunkConfig, chunk_article
from index.load import load_corpus, load_file

SENTENCES_PER_ARTICLE = (16, 26)  # about 10 chunks of 600 characters each


@dataclass(frozen=True)
class SynthCorpus:
    path: Path
    articles: int
    chunks: int
    unique_chunks: int
    max_article_chunks: int
    files: list[str]


def sentence_pool(source: Path) -> tuple[list[str], list[str], list[str]]:
    """(sentences, titles, words) of the articles in ``source``."""
    articles, _ = load_corpus(Path(source))
    sents: list[str] = []
    titles: list[str] = []
    for a in articles:
        titles.append(a.title)
        for s, e in split_sentences(a.text):
            t = " ".join(a.text[s:e].split())
            # Skip the title line and fragments: the cleaner drops short label lines.
            if t != a.title and len(t.split()) >= 5:
                sents.append(t)
    if len(sents) < 10:
        raise ValueError(f"{source} has too few sentences ({len(sents)}) to synthesise a corpus from")
    words = sorted({w for s in sents for w in s.split() if re.fullmatch(r"[\u0621-\u064a]{3,}", w)})
    return sents, titles, words


def _article_text(i: int, seed: int, sents: list[str], titles: list[str], words: list[str]) -> str:
    rng = np.random.default_rng([seed, i])
    n = int(rng.integers(SENTENCES_PER_ARTICLE[0], SENTENCES_PER_ARTICLE[1] + 1))
    picked = [sents[j] for j in rng.choice(len(sents), size=min(n, len(sents)), replace=False)]
    out = []
    for s in picked:
        toks = s.split()
        if len(toks) > 4 and rng.random() < 0.5:
            toks[int(rng.integers(1, len(toks) - 1))] = words[int(rng.integers(len(words)))]
        out.append(" ".join(toks))
    base = titles[int(rng.integers(len(titles)))].rstrip(" …")
    title = f"{base} ({i + 1})"
    paras, k = [], 0
    while k < len(out):
        step = int(rng.integers(2, 5))
        paras.append(" ".join(out[k : k + step]))
        k += step
    return title + "\n" + "\n".join(paras) + "\n"


def synthesize(
    out: Path, target_chunks: int = 0, seed: int = 13, source: Path | None = None,
    chunk_cfg: ChunkConfig = ChunkConfig(), articles: int | None = None,
) -> SynthCorpus:
    """Write articles into ``out`` until they make at least ``target_chunks``
    chunks (as index/chunk.py cuts them; the last article overshoots by less
    than one article's chunks), or exactly ``articles`` articles when given."""
    if not target_chunks and not articles:
        raise ValueError("give target_chunks or articles")
    from rag.settings import Settings

    source = Path(source or Settings().corpus)
    sents, titles, words = sentence_pool(source)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    total, i, max_per, files = 0, 0, 0, []
    texts: set[str] = set()
    while (i < articles) if articles else (total < target_chunks):
        name = f"synth_{i:06d}.txt"
        path = out / name
        path.write_text(_article_text(i, seed, sents, titles, words), encoding="utf-8")
        arts, _ = load_file(path, name)
        chunks = [c for a in arts for c in chunk_article(a, chunk_cfg)]
        texts.update(c.text for c in chunks)
        total += len(chunks)
        max_per = max(max_per, len(chunks))
        files.append(name)
        i += 1
    return SynthCorpus(path=out, articles=i, chunks=total, unique_chunks=len(texts),
                       max_article_chunks=max_per, files=files)


def bench_queries(n: int, source: Path, dataset: Path | None = None, seed: int = 7) -> list[str]:
    """``n`` queries: the eval set's questions first, then the first 4-9 words
    of random corpus sentences (keyword-style queries)."""
    qs: list[str] = []
    if dataset is not None and Path(dataset).exists():
        from ..dataset import load_dataset

        qs = [it.question for it in load_dataset(dataset)]
    sents, _, _ = sentence_pool(source)
    rng = np.random.default_rng(seed)
    while len(qs) < n:
        s = sents[int(rng.integers(len(sents)))].split()
        qs.append(" ".join(s[: int(rng.integers(4, 10))]))
    return qs[:n]


def _text_seed(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


class ProxyEmbedder:
    """Stand-in for the USE embedder *for passages only*, above the largest
    size embedded for real: a text embedded for real gets its real vector; any
    other text gets a real base vector (picked by the text's hash) plus small
    deterministic Gaussian noise, renormalised (cosine to the base about
    ``1/sqrt(1 + dim * sigma**2)``, 0.95 for sigma=0.015).  Queries are always
    embedded for real."""

    def __init__(self, real, known: dict[str, np.ndarray], sigma: float = 0.015):
        self._real = real
        self.id = real.id
        self.dim = real.dim
        self.known = known
        self.base = np.stack(list(known.values())).astype(np.float32)
        self.sigma = sigma
        self.proxied = 0

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:  # noqa: ARG002
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            v = self.known.get(t)
            if v is None:
                h = _text_seed(t)
                v = self.base[h % len(self.base)] + self.sigma * np.random.default_rng(h).standard_normal(
                    self.dim, dtype=np.float32)
                v = v / np.linalg.norm(v)
                self.proxied += 1
            out[i] = v
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._real.embed_queries(texts)
