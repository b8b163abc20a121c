"""The people, places, institutions and events a text names, in either language.

Names are found through rag/synonyms.py (every name of a state, capital,
institution or person, Arabic and English), longest first, so «الرئيس الروسي»
is Putin, not Russia; a head noun before an Arabic name or after an English one
makes an event or an office of it («قمة بريكس», "BRICS summit"); and an
event verb becomes its noun («زار، سيزور، زيارته» -> «زيارة» / "visit").  Used
by rag/rewrite.py to say what a follow-up refers to in the follow-up's language.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.arabic import detect_language, normalize, tokenize
from index.lexical import analyze

from .synonyms import GROUPS, PEOPLE, is_person, person_group

# Head nouns that make an event or an office of the name after them (Arabic) or before
# them (English): «قمة بريكس» / "BRICS summit", «رئيس قرغيزستان» / "president of Kyrgyzstan".
HEADS = (("قمة", "summit"), ("زيارة", "visit"), ("رحلة", "trip"), ("رئيس", "president"), ("زعيم", "leader"),
         ("وزير", "minister"), ("منتدى", "forum"), ("قاعدة", "base"), ("برلمان", "parliament"),
         ("اتفاق", "agreement"), ("اتفاقية", "treaty"), ("مجلس", "council"), ("حكومة", "government"),
         ("جيش", "army"), ("مذكرة", "warrant"))
_HEAD_AR = {normalize(a): i for i, (a, _) in enumerate(HEADS)}
_HEAD_EN = {e: i for i, (_, e) in enumerate(HEADS)}
THE_HEAD = re.compile(r"\bthe (%s|meeting|talks)\b" % "|".join(_HEAD_EN))


def head_row(tok: str) -> int | None:
    """The HEADS row of a normalised Arabic or English word («والقمة», "summit")."""
    return _HEAD_EN.get(tok, _HEAD_AR.get(re.sub(r"^(و?ال|و)", "", tok)))


# What the earlier question says happened, as a noun of the follow-up's language, found under
# any word of its rag/synonyms.py group («زار، سيزور، زيارته، visited»): «— زيارة بوتين، قرغيزستان».
# Without it «وما القاعدة التي سيزورها هناك؟» lost the air-base sentence from its answer (the carried
# «زار» had matched «سيزور» there).
EVENTS = {"زيارة": ("زيارة", "visit"), "التقى": ("لقاء", "meeting"), "غاب": ("غياب", "absence")}
EVENT_NOUNS = set(tokenize("زيارة رحلة لقاء اجتماع محادثات غياب قمة visit trip meeting talks absence summit"))


@lru_cache(maxsize=4096)
def _forms(word: str) -> frozenset[str]:
    """A word's analysed forms without the light root («~سل»): by its root «السؤال» was
    «سيول» and a refusal carried Seoul into the next search (issue 23)."""
    return frozenset(f for f in analyze(word) if not f.startswith("~"))


@lru_cache(maxsize=1)
def _entity_names() -> tuple[tuple[int, str, tuple[frozenset[str], ...]], ...]:
    """(group, name, per-word analysed forms) for every name of a state, place,
    institution or person, longest first (so «الرئيس الروسي» is Putin, not Russia)."""
    out = []
    for g, group in enumerate(GROUPS[: person_group(len(PEOPLE) - 1) + 1]):  # the people close the entities
        for name in group:
            parts = tuple(_forms(w) for w in tokenize(name))
            if parts and all(parts):
                out.append((g, name, parts))
    return tuple(sorted(out, key=lambda x: -len(x[2])))


def word_list(text: str) -> list[tuple[str, str]]:
    """(surface, normalised token) per word, punctuation dropped."""
    out = []
    for chunk in text.split():
        toks = tokenize(chunk)
        surface = chunk.strip(" \t.,;:!?؟،؛«»\"'()[]—-")
        out += [(surface if len(toks) == 1 else t, t) for t in toks]
    return out


@lru_cache(maxsize=512)
def mentions(text: str) -> tuple[tuple[int, int, int, str], ...]:
    """The entities a text names, in order: (first word, end word, group, name
    as listed in rag/synonyms.py), longest names first, not overlapping.

    >>> [(GROUPS[g][0], name) for _, _, g, name in mentions('Who did Putin meet in North Korea?')]
    [('بوتين', 'Putin'), ('كوريا الشمالية', 'North Korea')]
    >>> [name for *_, name in mentions('لماذا يلتقي الرئيس الروسي بنظيره')]
    ['الرئيس الروسي']
    """
    words = word_list(text)
    forms = [_forms(t) for _, t in words]
    taken: set[int] = set()
    found = []
    for g, name, parts in _entity_names():
        for i in range(len(words) - len(parts) + 1):
            span = range(i, i + len(parts))
            if not taken & set(span) and all(forms[i + j] & p for j, p in enumerate(parts)):
                taken |= set(span)
                # the spelling the text uses, when the table lists it («قيرغيزستان» / «قرغيزستان»:
                # BM25 tells them apart, and the user's is the articles' more often than not)
                said = [w for _, w in words[i: i + len(parts)]]
                found.append((i, i + len(parts), g, next((n for n in GROUPS[g] if tokenize(n) == said), name)))
    return tuple(sorted(found))


@lru_cache(maxsize=1)
def _event_forms() -> tuple[tuple[tuple[str, str], frozenset[str]], ...]:
    return tuple((EVENTS[g[0]], frozenset(f for name in g if " " not in name for f in analyze(name)
                                          if not f.startswith("~")))
                 for g in GROUPS if g[0] in EVENTS)


def events(text: str) -> list[tuple[str, str]]:
    """The events a text names, as (Arabic noun, English noun), a pronoun
    suffix taken off first («زيارته» -> «زيارة»).

    >>> events('من سيرافق بوتين في زيارته إلى كوريا الشمالية؟'), events('Why did Putin skip BRICS?')
    ([('زيارة', 'visit')], [('غياب', 'absence')])
    """
    bag: set[str] = set()
    for w in re.findall(r"\w+", text):
        for form in (w, re.sub(r"ت(ه|ها|هم|هما)$", "ة", w), re.sub(r"(ه|ها|هم|هما)$", "", w)):
            bag |= set(analyze(form))
    return [noun for noun, forms in _event_forms() if forms & bag]


def in_language(group: int, name: str, lang: str, spelled: dict[int, str] | None = None) -> str:
    """A name in the question's language: as the conversation wrote it
    (``spelled``: «البنتاغون» in an answer, where the table starts with «وزارة
    الدفاع الأمريكية»), or the first name of that script in the group."""
    if detect_language(name) == lang:
        return name
    if spelled and group in spelled and not is_person(group):  # a person by name, not by a title the answer used
        return spelled[group]
    return next((n for n in GROUPS[group] if detect_language(n) == lang), name)


def phrases(text: str, lang: str, spelled: dict[int, str] | None = None) -> list[tuple[int, str]]:
    """(group, phrase) per entity a text names, in the language ``lang``, with
    the head noun that makes an event or office of it («قمة بريكس»).

    >>> [p for _, p in phrases('لماذا تغيب بوتين عن قمة بريكس؟', 'en')]
    ['Putin', 'BRICS summit']
    >>> [p for _, p in phrases('Who skipped the BRICS summit?', 'ar')]
    ['قمة بريكس']
    >>> [p for _, p in phrases('ما اسم رئيس قيرغيزستان؟', 'ar')], [p for _, p in phrases('Where is the base?', 'ar')]
    (['رئيس قيرغيزستان'], ['القاعدة'])
    """
    words = word_list(text)
    toks = [t for _, t in words]
    out: list[tuple[int, str]] = []
    used: set[int] = set()  # word positions in a phrase
    for start, end, g, name in mentions(text):
        used |= set(range(start, end))
        at = None
        if start and toks[start - 1] not in _HEAD_EN and head_row(toks[start - 1]) is not None:
            at = start - 1  # «قمة بريكس»
        elif end < len(toks) and toks[end] in _HEAD_EN:
            at = end  # "BRICS summit"
        elif start > 1 and toks[start - 1] == "of" and toks[start - 2] in _HEAD_EN:
            at = start - 2  # "president of Kyrgyzstan"
        own = in_language(g, name, lang, spelled)
        if at is None or is_person(g):
            out.append((g, own))
            continue
        used.add(at)
        head = HEADS[head_row(toks[at])][0 if lang == "ar" else 1]
        out.append((g, f"{head} {own}" if lang == "ar" else f"{own} {head}"))
    # a definite event or office named by no entity: «وما القاعدة التي سيزورها هناك؟» -> «القاعدة»
    for i, t in enumerate(toks):
        row = head_row(t)
        if row is not None and i not in used and (t.startswith(("ال", "وال")) or (i and toks[i - 1] == "the")):
            out.append((-1 - row, ("ال" + HEADS[row][0]) if lang == "ar" else f"the {HEADS[row][1]}"))
    return out
