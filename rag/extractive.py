"""An answerer that needs no LLM: the sentences of the retrieved passages that
best answer the question, each cited."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from index.arabic import light_stem, skeleton, split_sentences, strip_diacritics, tokenize
from index.embed import Embedder
from index.lexical import analyze, is_stopword

from .cite import attach_markers, strip_markers
from .claims import opposed, opposite
from .kinds import exact_date_near
from .nations import LIST_MIN, asks_states, states_listed
from .query import Query
from .relevance import Relevance, relevance
from .statements import has_reason, is_instruction
from .retrieve import Hit

EN_PREFIX = "From the Arabic articles: "
# Chosen on the eval set (see eval/README.md): sentences of at least six
# words; a further sentence only when it scores >= 75 % of the best and,
# from another passage, >= 90 % (each extra passage cited is one more the
# reader must check: citation precision 0.55 -> see eval/README.md).
MIN_WORDS = 6
MAX_SENTENCES = 3
KEEP_RATIO = 0.75
OTHER_PASSAGE_RATIO = 0.9
EN_KEEP_RATIO = 0.6
# A why-question's answer states the cause: sentences with a causal link
# (لأن، بسبب، لهذا السبب، بصفتها …) get this bonus (eval/README.md).
REASON_BONUS = 0.12
SLOT_BONUS = 0.1
# A when-question's answer names the day, month or year next to its subject
# (kinds.exact_date_near), not a vague «هذا العام» or «بعد تسعة أشهر».
DATE_BONUS = 0.1
# Words next to each other in the question and in the sentence («رئيس
# قرغيزستان صدر جباروف» for «ما اسم رئيس قيرغيزستان») mark the sentence that
# names the thing, not one that merely shares its words.
PHRASE_BONUS = 0.15


def _content_words(text: str) -> list[str]:
    return [w for w in tokenize(text) if not is_stopword(w)]


def _pairs(terms: list[str]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in zip(terms, terms[1:])}


def phrase_share(question_stems: list[str], sentence_stems: list[str]) -> float:
    """Share of the question's adjacent word pairs that are adjacent (or one
    word apart) in the sentence.

    >>> phrase_share(['رييس', 'قرغيزستان', 'دعا'], ['التقى', 'رييس', 'قرغيزستان', 'صدر'])
    0.5
    """
    q = _pairs(question_stems)
    if not q:
        return 0.0
    s = _pairs(sentence_stems) | {(a, c) for a, _, c in zip(sentence_stems, sentence_stems[1:], sentence_stems[2:])}
    return len(q & s) / len(q)


@dataclass(frozen=True)
class Candidate:
    n: int  # passage number (1-based)
    text: str
    score: float
    lexical: float = 0.0  # idf-weighted share of the question's terms in the sentence
    dense: float = 0.0  # cosine with the question
    rel: Relevance | None = None
    terms: frozenset[str] = frozenset()  # the sentence's analysed terms
    article: str = ""  # the article it comes from
    named_date: bool = False  # for a when-question: names a day, month or year next to its subject
    span: tuple[int, int] = (0, 0)  # where it is in its passage's text


def candidates(query: Query, hits: list[Hit], embedder: Embedder | None = None,
               idf: Callable[[list[str]], dict[str, float]] | None = None) -> list[Candidate]:
    """Every sentence of the passages, scored by IDF-weighted overlap with the
    question's stems plus (when an embedder is given) dense similarity, with a
    small bonus for passages ranked higher by retrieval, for a stated cause
    when the question asks why, and for naming the thing asked about.  Terms
    are analysed with the query's analyzer (the index's)."""
    analyzer = query.analyzer
    sents: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    titles = tuple(dict.fromkeys(h.chunk.title for h in hits))
    for n, h in enumerate(hits, 1):
        text = h.chunk.text
        for s, e in split_sentences(text):
            sent = strip_markers(text[s:e])  # a "[1]" in an article is not one of our citations
            if len(sent.split()) >= MIN_WORDS:  # headings and captions rarely answer
                sents.append((n, sent))
                spans.append((s, e))
    if not sents:
        return []
    q_terms = set(query.tokens)
    # A sentence naming a thing another way («بوتين» for «سيد الكرملين») names it.
    bags = [set(query.alts.augment(analyze(s, analyzer))) for _, s in sents]
    if idf is not None:  # corpus-wide weights: a term no article uses weighs most
        weights = query.scale(idf(sorted(q_terms)))
    else:
        df: dict[str, int] = {}
        for b in bags:
            for t in b & q_terms:
                df[t] = df.get(t, 0) + 1
        weights = query.scale({t: math.log(1 + len(bags) / (1 + df.get(t, 0))) for t in q_terms})
    total = sum(weights.values()) or 1.0
    lex = np.array([sum(weights[t] for t in b & q_terms) / total for b in bags], dtype=np.float32)
    dense = np.zeros(len(sents), dtype=np.float32)
    if embedder is not None:
        vecs = embedder.embed_passages([s for _, s in sents])
        q = embedder.embed_queries([strip_diacritics(query.text)])[0]
        dense = vecs @ q
    rank_bonus = np.array([0.05 / n for n, _ in sents], dtype=np.float32)
    score = 0.6 * lex + 0.4 * dense + rank_bonus
    out = []
    for (n, s), span, bag, sc, lx, dn in zip(sents, spans, bags, score, lex, dense):
        rel = relevance(query, s, idf, analyzer, titles, bag)
        if rel.heading or is_instruction(s):
            continue  # a title is no statement; orders to the assistant are data, never an answer
        sc = float(sc)
        if query.kind == "reason" and has_reason(s):
            sc += REASON_BONUS
        if query.slot and rel.slot_ok:
            sc += SLOT_BONUS
        named = query.kind == "date" and exact_date_near(query, s, analyzer)
        if named:
            sc += DATE_BONUS
        if query.language == "ar":
            # Words side by side in the user's own question (Query.phrase), not the words a rewrite carried.
            share = phrase_share(list(query.phrase), [skeleton(light_stem(w)) for w in _content_words(s)])
            sc += PHRASE_BONUS * min(1.0, 3 * share)  # one shared pair of five is already telling
        out.append(Candidate(n=n, text=s, score=sc, lexical=float(lx), dense=float(dn), rel=rel, terms=frozenset(bag),
                             article=hits[n - 1].chunk.article_id, named_date=named, span=span))
    return lists_first(query, out)


def lists_first(query: Query, cands: list[Candidate]) -> list[Candidate]:
    """For a question asking which states («ما الدول التي…», "which
    countries"), a sentence naming several states («مثل الصين وبيلاروسيا
    وكازاخستان وقيرغيزستان») ranks first: one naming a single visit answers
    part of the question and outscored the list (eval q030, q066).

    >>> from rag.query import analyse_query
    >>> q = analyse_query('ما الدول التي زارها بوتين؟')
    >>> c = [Candidate(1, 'زار بوتين قرغيزستان في أكتوبر.', 0.9),
    ...      Candidate(1, 'زار بوتين الصين وبيلاروسيا وكازاخستان.', 0.4)]
    >>> [x.score > 0.9 for x in lists_first(q, c)]
    [False, True]
    """
    if not cands or not asks_states(query.asked or query.text):
        return cands
    top = max(c.score for c in cands)
    return [replace(c, score=top + 0.01 * (1 + c.score)) if states_listed(c.text) >= LIST_MIN else c for c in cands]


SAME_FACT = 0.6
# Two sentences disagree only when both name most of what was asked (the
# question's IDF-weighted terms) and they state opposite things about the
# same thing (rag/claims.py).  An antonym or negated stance whose subject and
# object are the same (``opposed``: «لم يحضر بوتين قمة بريكس» against «وشارك
# بوتين في قمة بريكس», any word order) needs DISAGREE_OTHER on both sides:
# asked «هل شارك…», neither «لم يحضر…» nor «لم يغب…» names «شارك».  The
# other rules (the same word negated before the same two words; another
# month for the same summit) need one side at DISAGREE_LEXICAL.  A looser
# rule (any close candidates with opposite verbs) flagged 14 to 22 of the
# eval set's answers: «لم يحضر قمة بريكس» against «حضر قمة العشرين» is none.
DISAGREE_LEXICAL = 0.75
DISAGREE_OTHER = 0.5
DISAGREE_RATIO = 0.5


def disagreement(cands: list[Candidate]) -> tuple[Candidate, Candidate] | None:
    """Two articles saying opposite things about what was asked, best first.

    >>> a = Candidate(1, 'لم يحضر بوتين قمة بريكس.', 0.9, lexical=1.0, article='a')
    >>> b = Candidate(2, 'حضر بوتين قمة بريكس في جوهانسبرغ.', 0.8, lexical=1.0, article='b')
    >>> [c.n for c in disagreement([b, a])]
    [1, 2]
    >>> disagreement([a, Candidate(2, 'حضر بوتين قمة العشرين.', 0.8, lexical=0.5, article='b')]) is None
    True
    >>> c = Candidate(3, 'وشارك بوتين شخصياً في قمة بريكس.', 0.8, lexical=0.6, article='c')
    >>> [x.n for x in disagreement([a, c])]
    [1, 3]
    """
    ranked = sorted(cands, key=lambda c: -c.score)
    if not ranked:
        return None
    close = [c for c in ranked if c.lexical >= DISAGREE_OTHER and c.score >= DISAGREE_RATIO * ranked[0].score]
    for i, a in enumerate(close):
        for b in close[i + 1:]:
            if a.article == b.article:
                continue
            if opposed(a.text, b.text) or (max(a.lexical, b.lexical) >= DISAGREE_LEXICAL and opposite(a.text, b.text)):
                return a, b
    return None


def _same_fact(a: Candidate, b: Candidate) -> bool:
    """Two articles stating the same fact in nearly the same words: showing
    both reads as noise («ولم يحضر بوتين قمة بريكس…» [2] and again [5])."""
    if not a.terms or not b.terms:
        return False
    return len(a.terms & b.terms) / len(a.terms | b.terms) >= SAME_FACT


def extract_answer(cands: list[Candidate], language: str, max_sentences: int = MAX_SENTENCES,
                   disagree: tuple[Candidate, Candidate] | None = None, keep_ratio: float | None = None) -> str:
    """The best sentences (up to ``max_sentences``), each followed by its [n].

    A further sentence is kept only when it scores at least ``KEEP_RATIO`` of
    the best (``OTHER_PASSAGE_RATIO`` when it would cite another passage), so
    a precise answer is not diluted.

    >>> c = [Candidate(1, 'غاب بوتين عن القمة.', 0.9), Candidate(2, 'زار بوتين الصين.', 0.7)]
    >>> extract_answer(c, 'ar')
    'غاب بوتين عن القمة [1].'

    The same fact from another article adds its citation, not its sentence:

    >>> t = frozenset({'غاب', 'بوت', 'قمه'})
    >>> extract_answer([Candidate(1, 'غاب بوتين عن القمة.', 0.9, terms=t, article='a'),
    ...                 Candidate(3, 'وغاب بوتين عن القمة.', 0.88, terms=t, article='b')], 'ar')
    'غاب بوتين عن القمة [1, 3].'
    """
    if disagree:  # both sides, each with its own citation (a notice says they disagree)
        text = attach_markers(" ".join(f"{c.text.rstrip()} [{c.n}]" for c in disagree))
        return (EN_PREFIX + text) if language == "en" else text
    cands = sorted(cands, key=lambda c: -c.score)
    if not cands:
        return ""
    best = cands[0]
    picked, cites = [best], [[best.n]]
    # An English question is matched to Arabic sentences by meaning alone (no
    # shared words), a weaker ranking: more of the close sentences are shown.
    keep, other = (EN_KEEP_RATIO, EN_KEEP_RATIO) if language == "en" else (KEEP_RATIO, OTHER_PASSAGE_RATIO)
    if keep_ratio is not None:  # scores are the selector's probabilities: its own ratio (rag/selector.py)
        keep = other = keep_ratio
    for c in cands[1:]:
        if c.score < keep * best.score:
            break
        same = next((i for i, p in enumerate(picked) if c.text == p.text or _same_fact(c, p)), None)
        if same is not None:  # said again: by another article, it is one more citation, not one more sentence
            if c.article != picked[same].article and c.n not in cites[same]:
                cites[same].append(c.n)
            continue
        if len(picked) >= max_sentences or (c.n not in {p.n for p in picked} and c.score < other * best.score):
            continue
        picked.append(c)
        cites.append([c.n])
    text = attach_markers(" ".join(f"{c.text.rstrip()} [{', '.join(map(str, sorted(ns)))}]"
                                   for c, ns in zip(picked, cites)))
    return (EN_PREFIX + text) if language == "en" else text
