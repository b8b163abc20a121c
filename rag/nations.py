"""Whose leader: «رئيس قرغيزستان» and «الرئيس القيرغيزي» name the same man,
«نظيره الأذربيجاني» another one.

News Arabic names a head of state by a title and his state, as a noun
(«رئيس قرغيزستان») or as a nisba adjective («الرئيس القرغيزي», «نظيره
الأذربيجاني»).  A question about the leader of one state («ومتى التقى به
بوتين؟ — رئيس قرغيزستان») is not answered by a sentence about the leader of
another state and not this one («…محادثات ثنائية مع نظيره الأذربيجاني إلهام
علييف…»): that sentence shares the question's words (Putin, meeting,
Kyrgyzstan as the place) but its counterpart is someone else.

The nisba forms are general knowledge (one per state of rag/synonyms.py),
not facts of the bundled articles.  Also: the states a list question asks
for («ما الدول التي…», "which countries") and how many a sentence names.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.arabic import normalize, tokenize
from index.lexical import analyze

from .synonyms import GROUPS, PEOPLE, implied, is_person, named

# The nisba adjectives of the states in rag/synonyms.py (masculine; «ـية» is matched too).
NISBA: dict[str, tuple[str, ...]] = {
    "روسيا": ("الروسي",), "الولايات المتحدة": ("الأمريكي", "الأميركي"), "الصين": ("الصيني",),
    "كوريا الشمالية": ("الكوري الشمالي",), "كوريا الجنوبية": ("الكوري الجنوبي",), "أوكرانيا": ("الأوكراني",),
    "قرغيزستان": ("القرغيزي", "القيرغيزي", "القرغيزستاني", "القيرغيزستاني"), "أذربيجان": ("الأذربيجاني",),
    "أرمينيا": ("الأرميني", "الأرمني"), "بيلاروسيا": ("البيلاروسي",), "كازاخستان": ("الكازاخستاني", "الكازاخي"),
    "إيران": ("الإيراني",), "تركيا": ("التركي",), "الهند": ("الهندي",), "جنوب أفريقيا": ("الجنوب أفريقي",),
    "السعودية": ("السعودي",), "الإمارات": ("الإماراتي",), "مصر": ("المصري",), "سوريا": ("السوري",),
    "العراق": ("العراقي",), "إسرائيل": ("الإسرائيلي",), "بريطانيا": ("البريطاني",), "فرنسا": ("الفرنسي",),
    "ألمانيا": ("الألماني",), "اليابان": ("الياباني",), "منغوليا": ("المنغولي",), "البرازيل": ("البرازيلي",),
}
STATES: tuple[tuple[str, ...], ...] = tuple(g for g in GROUPS if g[0] in NISBA)
# Words that name a leader (Arabic with a clitic «و/ب/ل/ف» removed; English lower case).
_TITLES = frozenset(tokenize("رئيس الرئيس زعيم الزعيم نظيره نظيرته نظيريه نظيرها رئيسه الرئيسه")) | {
    "president", "leader", "counterpart", "premier"}
_SPAN = 2  # «رئيس الوزراء الأرميني»: the state at most this many words after the title


@lru_cache(maxsize=2)
def _forms(nisba: bool = True) -> dict[tuple[str, ...], int]:
    """Word sequences (normalised, lower case) naming state i: its names (and nisbas)."""
    out: dict[tuple[str, ...], int] = {}
    for i, group in enumerate(STATES):
        names = list(group)
        if nisba:  # «نظيرته الأذربيجانية» too
            names += list(NISBA[group[0]]) + [n + "ة" for n in NISBA[group[0]]]
        for n in names:
            out[tuple(normalize(n).lower().split())] = i
    return out


def _bare(word: str) -> str:
    return word[1:] if word[:1] in "وبلف" and word[1:] in _TITLES else word


def _state_at(words: list[str], i: int) -> int | None:
    for n in (2, 1):
        s = _forms().get(tuple(words[i:i + n]))
        if s is not None:
            return s
    return None


def leaders(text: str) -> frozenset[int]:
    """The states whose leader the text names by a title (STATES numbers).

    >>> sorted(STATES[i][0] for i in leaders('مع نظيره الأذربيجاني إلهام علييف ورئيس الوزراء الأرميني'))
    ['أذربيجان', 'أرمينيا']
    >>> [STATES[i][0] for i in leaders('وخلال اجتماعه مع الرئيس القيرغيزي صدر جباروف')]
    ['قرغيزستان']
    >>> ([STATES[i][0] for i in leaders('When did Putin meet him? — Kyrgyzstan president')],
    ...  leaders('بحسب الرئاسة القرغيزية'))
    (['قرغيزستان'], frozenset())
    """
    words = normalize(text).lower().replace("-", " ").split()
    words = [re.sub(r"[^\w]", "", w) for w in words]
    out = set()
    for i, w in enumerate(words):
        if _bare(w) not in _TITLES:
            continue
        # Arabic: the state after the title; English: "Kyrgyzstan president", "president of Kyrgyzstan"
        after = range(i + 1, i + 1 + _SPAN)
        before = range(max(0, i - 2), i) if w.isascii() else range(0)
        for j in list(after) + list(before):
            s = _state_at(words, j)
            if s is not None:
                out.add(s)
                break
    return frozenset(out)


def _people_states(text: str) -> frozenset[int]:
    """The states of the people the text names by name («بوتين»: Russia, his title «الرئيس الروسي»)."""
    words = set(tokenize(text))
    out: set[int] = set()
    for group in PEOPLE:
        if any(set(tokenize(n)) <= words for n in group):
            out |= {s for n in group for s in leaders(n)}
    return frozenset(out)


def other_leader(question: str, sentence: str) -> bool:
    """Does the sentence name the leader of another state and not the one the
    question asks about?  (The states of people the question names, Putin's
    Russia, do not count as "another".)

    >>> q = 'ومتى التقى به بوتين؟ — رئيس قرغيزستان'
    >>> other_leader(q, 'سيجري الرئيس الروسي في قرغيزستان محادثات ثنائية مع نظيره الأذربيجاني إلهام علييف')
    True
    >>> other_leader(q, 'وخلال اجتماعه مع الرئيس القيرغيزي صدر جباروف يوم الخميس')
    False
    >>> (other_leader(q, 'وصل الرئيس الروسي إلى قرغيزستان صباح الخميس'),
    ...  other_leader('متى زار بوتين الصين؟', 'مع نظيره الأذربيجاني'))
    (False, False)
    """
    asked = leaders(question)
    if not asked:
        return False
    said = leaders(sentence)
    return not (said & asked) and bool(said - asked - _people_states(question))


# ---------------------------------------------------------------- list questions
# «ما الدول التي زارها بوتين…», "Which countries has Putin visited…" ask for several states:
# the sentence that lists them («مثل الصين وبيلاروسيا وكازاخستان وقيرغيزستان») answers, one
# naming a single visit answers a part.
_ASKS_STATES = re.compile(r"(^|\s)[وف]?(ما|ما هي|اي|في اي|الي اي)\s+(الدول|البلدان)(\s|$)|"
                          r"\b(which|what) (countries|states|nations)\b")
LIST_MIN = 3  # states a sentence must name to be a list


def asks_states(question: str) -> bool:
    """Does the question ask which states (plural)?

    >>> asks_states('ما الدول التي زارها بوتين منذ صدور المذكرة؟'), asks_states('Which countries has Putin visited?')
    (True, True)
    >>> asks_states('ما الدولة التي زارها بوتين؟'), asks_states('لماذا لم تعتقله الدول الأعضاء؟')
    (False, False)
    """
    return bool(_ASKS_STATES.search(normalize(question).lower()))


def states_listed(sentence: str) -> int:
    """How many states the sentence names (by name, clitics «و/ب/ل» allowed).

    >>> states_listed('مثل الصين وبيلاروسيا وكازاخستان وقيرغيزستان، بجانب الإمارات والسعودية')
    6
    >>> states_listed('وصل بوتين إلى قيرغيزستان في أول رحلة خارجية')
    1
    """
    words = [re.sub(r"[^\w]", "", w) for w in normalize(sentence).lower().split()]
    names = _forms(nisba=False)
    found = set()
    for i, w in enumerate(words):
        bare = [w[1:]] + words[i + 1:i + 2] if w[:1] in "وبلف" else []
        for cand in (words[i:i + 2], [w], bare, bare[:1]):
            s = names.get(tuple(cand)) if cand else None
            if s is not None:
                found.add(s)
                break
    return len(found)


def nisba_pairs(text: str, terms, analyzer: str) -> tuple[tuple, tuple[str, ...]]:
    """Alternatives pairs (rag/synonyms.py) for a question naming a state's
    leader: the state's name in the question is also named by its nisba
    («رئيس قرغيزستان» by «الرئيس القيرغيزي»), in the focus and the ranking;
    and the nisba forms' terms, which retrieval adds to the lexical query
    (``Alternatives.always``: the articles use the state's name, so its
    other names alone would not be added).

    >>> from index.lexical import analyze
    >>> q = 'ومتى التقى به بوتين؟ — رئيس قرغيزستان'
    >>> pairs, extra = nisba_pairs(q, analyze(q), 'stem+skeleton')
    >>> any('قيرغيز' in o for _, others in pairs for o in others), 'قيرغيز' in extra
    (True, True)
    >>> nisba_pairs('متى زار بوتين قرغيزستان؟', (), 'stem+skeleton')
    ((), ())
    """
    from index.lexical import analyze

    have = set(terms)
    pairs, extra = [], []
    for s in sorted(leaders(text)):
        nisbas = tuple(frozenset(analyze(n, analyzer)) for n in NISBA[STATES[s][0]])
        extra += [t for o in nisbas for t in sorted(o)]
        for name in STATES[s]:
            own = frozenset(analyze(name, analyzer))
            if own and own <= have:
                pairs.append((own, nisbas))
    return tuple(pairs), tuple(dict.fromkeys(extra))


# ---------------------------------------------------------------- where next
# «وبعدها إلى أين سيسافر؟», «بعد قرغيزستان إلى أين…», "Where does he go next?" ask for
# the place after one already named (by the earlier turn, or after «بعد»).
_NEXT = re.compile(r"(^|\s)[وف]?(بعدها|بعده|بعد ذلك|بعد هذا|بعد هذه|التالي|التاليه|ثم|"
                   r"after that|afterwards|next|then)(\s|$)")
_AFTER = re.compile(r"(?:^|\s)[وف]?(?:بعد|after)\s+((?:\S+\s*){1,3})")


def moved_past(query) -> frozenset[int]:
    """For a where-question asking what comes next: the states and places
    (synonyms.py groups) it moves past, else none.

    >>> from rag.query import analyse_query
    >>> [GROUPS[g][0] for g in moved_past(analyse_query('بعد قرغيزستان إلى أين سيسافر بوتين؟'))]
    ['قرغيزستان']
    >>> moved_past(analyse_query('إلى أين سيسافر بوتين الأسبوع المقبل؟'))
    frozenset()
    """
    if query.kind != "place":
        return frozenset()
    asked = normalize(query.asked or query.text).lower()
    past: set[int] = set()
    if query.carried and _NEXT.search(asked):
        past |= named(query.carried, query.analyzer)
    for m in _AFTER.finditer(asked):
        past |= named(analyze(m.group(1), query.analyzer), query.analyzer)
    return frozenset(g for g in past if not is_person(g))


_TO = frozenset(("الي", "الى", "والي", "فالي", "to", "for"))
_PLACE_WORDS = frozenset(tokenize("دولة دولتي مدينة العاصمة بلدة جمهورية"))


def no_new_destination(query, sentence: str, past: frozenset[int]) -> bool:
    """For a question asking where next: does the sentence send no one to a
    state or place (after «إلى», "to") other than the one the question moves
    past, or the home of the question's people («بوتين»: Russia)?  «قام
    الرئيس بوتين بزيارة إلى دولة قرغيزستان» and «زار دولتي قرغيزستان
    وبيلاروسيا» do not say where he goes after Kyrgyzstan; «أن يسافر الرئيس
    الروسي إلى الصين… بعد زيارة… إلى بيشكيك» does (held-out C2).

    >>> from rag.query import analyse_query
    >>> q = analyse_query('بعد قرغيزستان إلى أين سيسافر بوتين؟')
    >>> no_new_destination(q, 'قام الرئيس بوتين بزيارة إلى دولة قرغيزستان المجاورة لروسيا', moved_past(q))
    True
    >>> no_new_destination(q, 'ومن المتوقع أن يسافر الرئيس الروسي إلى الصين بعد زيارة تستغرق يومين إلى بيشكيك',
    ...                    moved_past(q))
    False
    """
    if not past:
        return False
    people = [g for g in named(query.terms, query.analyzer) if is_person(g)]
    words = normalize(sentence).lower().split()
    to: set[int] = set()
    for i, w in enumerate(words):
        if w in _TO:
            after = [x for x in words[i + 1: i + 4] if x not in _PLACE_WORDS][:2]
            to |= {g for g in named(analyze(" ".join(after), query.analyzer), query.analyzer) if not is_person(g)}
    home = {g for g in to for p in people if implied(p, g, query.analyzer)}
    return not (to - past - home)


def states_named(text: str) -> frozenset[str]:
    """The states a text names by name or by nisba («الرئيس القيرغيزي»: Kyrgyzstan).

    >>> sorted(states_named('التقى الرئيس القيرغيزي صدر جباروف نظيره الروسي'))
    ['روسيا', 'قرغيزستان']
    """
    words = [_bare(w) for w in (re.sub(r"[^\w]", "", w) for w in normalize(text).lower().split())]
    return frozenset(STATES[s][0] for i in range(len(words)) if (s := _state_at(words, i)) is not None)
