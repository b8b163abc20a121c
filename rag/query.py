"""The question analysed once: what it asks for (its kind: a reason for
لماذا, a date for متى, a number for كم, ...), what it is about (its content
terms, the thing it names or counts) and the other names of those things.
The :class:`Query` is passed down to the retriever's callers, the extractive
ranker and the checker (rag/relevance.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from index.arabic import detect_language, light_stem, normalize, skeleton, tokenize
from index.lexical import DEFAULT_ANALYZER, analyze, is_stopword

from .kinds import asks_duration
from .roles import Asked, asked_of
from .nations import nisba_pairs
from .synonyms import Alternatives, alternatives

KINDS = ("reason", "date", "number", "person", "place")

_P = r"(?:^|\s)[وف]?"
_KIND_PATTERNS = (
    ("reason", re.compile(_P + r"(لماذا|ليش|ليه|علام|لاي سبب|ما سبب|ما السبب|ما الذي دفع|ما الذي جعل|"
                          r"why|for what reason)\b")),
    ("number", re.compile(_P + r"(كم|بكم|قديش|كام|(ما|كم) (قيمه|حجم|نسبه|مبلغ|تكلفه)|how (many|much|long)|"
                          r"what (is |was |are |were )?(the )?(total )?"
                          r"(number|percentage|amount|value|size|population))\b")),
    ("date", re.compile(
        _P + r"(متي|امتي|ايمتي|اي (شهر|عام|سنه|يوم|تاريخ)|في اي (شهر|عام|سنه|يوم|تاريخ)|"
        r"when|what (year|month|day|date)|which (year|month|day))\b")),
    ("place", re.compile(
        _P + r"(اين|وين|فين|where|(في |الي |من )?اي (مدينه|بلد|دوله|مكان|منطقه|عاصمه|بلده)|ما (هي )?عاصمه|"
        r"which (city|country|place|town))\b")),
    ("person", re.compile(r"^[وف]?(من|مين)\s(?!اين|اي\s)|" + _P + r"(من (هو|هي|هم|الذي|التي)|who|whom)\b")),
)

# The thing a question names, when it asks for a name or a count of it:
# «ما اسم المدعي العام…» asks for the name of المدعي العام; «كم عدد النواب…»
# counts النواب.  When the articles never mention it, they cannot answer.
_SLOT = re.compile(
    r"(?:^|\s)[وف]?(?:ما اسم|ما هو اسم|من هو|من هي|كم عدد|كم يبلغ عدد|ما عدد|"
    r"ما (?:هي |هو )?(?=ال\w+ (?:التي|الذي|الذين)))\s*(\S+)"
)

# Words of the question that say what is asked, not what it is about.
_ASKING = set(tokenize(
    "اسم ما ماذا لماذا ليش ليه مين شو وش ايش امتي ايمتي وين فين قديش كام اللي يلي هل كيف اي "
    "هو هي هم الذي التي الذين المذكور المذكوره تذكر ذكرت الخبر الاخبار المقال المقالات "
    "سبب السبب عدد يبلغ تبلغ هناك هنا ذلك تلك هذا هذه هؤلاء "
    "will would shall has have had its his her their s between since been being do does did is are was were many much "
    "he him she they them it not other another else "
    "according articles article say says said"
))


@dataclass(frozen=True)
class Query:
    """A question analysed once: what it asks for and what it is about."""

    text: str
    language: str  # 'ar', 'en' or 'other'
    kind: str | None  # one of KINDS, or None for "what"-questions
    terms: tuple[str, ...]  # analysed content terms, question words removed
    slot: tuple[str, ...] = ()  # analysed forms of the thing asked about («ما اسم X»), if any
    alts: Alternatives = Alternatives()  # other names of the things it names (rag/synonyms.py)
    city: bool = False  # a place question that asks which city («في أي مدينة…», "which city")
    duration: bool = False  # a how-many question that asks how long («كم تستغرق…», "how long")
    asked: str = ""  # for a rewritten follow-up, the user's own words («ومتى كانت الزيارة؟»)
    carried: frozenset[str] = frozenset()  # terms the rewrite carried over from earlier turns
    analyzer: str = DEFAULT_ANALYZER  # the index's analyzer, which made terms and tokens
    tokens: tuple[str, ...] = ()  # every analysed term of the text, question words too (BM25 sees these)
    # The user's own words analysed (``tokens`` of ``asked`` for a rewritten follow-up): a
    # sentence that only repeats them supports nothing (rag/cite.py support_score).
    own_tokens: tuple[str, ...] = ()
    # The user's own content words in order as light-stem skeletons, for the phrase bonus
    # (rag/extractive.py): it compares words side by side, whatever terms the index uses.
    phrase: tuple[str, ...] = ()

    @cached_property
    def roles(self) -> Asked:
        """The people the question names and what it asks of them (rag/roles.py), found once."""
        return asked_of(self.text, self.kind, self.analyzer)

    def scale(self, weights: dict[str, float]) -> dict[str, float]:
        """Term weights with the carried-over terms down-weighted: they say
        what the conversation is about, the user's own words what is asked
        now.  At full weight the answer to the previous question won
        («وما الاتفاق الذي سيوقعه هناك؟» answered with who accompanies Putin)."""
        if not self.carried:
            return weights
        return {t: w * CARRIED_WEIGHT if t in self.carried else w for t, w in weights.items()}


def question_kind(question: str) -> str | None:
    """What the question asks for.

    >>> [question_kind(q) for q in ('لماذا تغيب بوتين؟', 'متى زار الصين؟', 'كم يوما؟', 'أين تقع القاعدة؟')]
    ['reason', 'date', 'number', 'place']
    >>> [question_kind(q) for q in ('من يرافق بوتين؟', 'ليش ما راح؟', 'Who is the president?', 'ما الدول التي زارها؟')]
    ['person', 'reason', 'person', None]
    >>> question_kind('ما قيمة الاتفاق بالدولار؟'), question_kind('What was the total value of trade?')
    ('number', 'number')
    """
    q = normalize(question)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(q):
            return kind
    return None


def _forms(word: str, analyzer: str) -> tuple[str, ...]:
    return tuple(analyze(word, analyzer))


CARRIED_WEIGHT = 0.3
_CITY_ASKED = re.compile(r"(اي|ايه) (مدينه|بلده|عاصمه)|عاصمه|which (city|town)|what (city|town)|capital")


def analyse_query(text: str, analyzer: str = "stem+skeleton", asked: str = "") -> Query:
    """The question's kind, content terms and slot.

    >>> q = analyse_query('ما اسم المدعي العام للمحكمة؟')
    >>> q.kind, q.slot[0], q.slot[0] in q.terms
    (None, 'مدع', True)
    """
    norm = normalize(text)
    words = [w for w in tokenize(text) if w not in _ASKING and not is_stopword(w)]
    terms = tuple(dict.fromkeys(t for w in words for t in _forms(w, analyzer)))
    m = _SLOT.search(norm)
    slot = _forms(m.group(1), analyzer) if m and not is_stopword(m.group(1)) else ()
    if not slot and detect_language(text) == "en":
        slot = english_slot(text, analyzer)
    tokens = tuple(analyze(text, analyzer))
    own = tuple(analyze(asked, analyzer)) if asked and asked != text else tokens
    carried = frozenset(terms) - frozenset(own) if asked and asked != text else frozenset()
    kind = question_kind(asked or text)
    city = kind == "place" and bool(_CITY_ASKED.search(normalize(asked or text).lower()))
    return Query(text=text, language=detect_language(text), kind=kind, terms=terms, slot=slot,
                 alts=alternatives(terms, analyzer, *nisba_pairs(text, tokens, analyzer)), city=city,
                 duration=kind == "number" and asks_duration(asked or text),
                 asked=asked if carried else "", carried=carried, analyzer=analyzer,
                 tokens=tokens, own_tokens=own,
                 phrase=tuple(skeleton(light_stem(w)) for w in tokenize(asked if carried else text)
                              if not is_stopword(w)))


# The counted thing of an English question: "how many Kyrgyz companies did…" counts companies,
# "what is the population of…" people.  Through rag/synonyms.py it gets its Arabic forms, and a
# number must count it («أربع شركات»), as for «كم عدد X» (rag/abstain.py): without this "What
# is the population of Kyrgyzstan?" was answered with any sentence naming Kyrgyzstan and a number.
_EN_COUNTED = re.compile(r"how many ((?:[a-z-]+ ){0,3}?)([a-z-]+)(?= (?:did|do|does|are|were|was|is|have|has|had|"
                         r"will|would|can|could)\b|\s*\?|$)|\b(population)\b")


# "Which lake…", "what agreement…": Arabic names such things with the class noun at their head
# («بحيرة إيسيك كول», «اتفاقية الدفاع الجوي»), so an answer names it.  Only such nouns: an occasion,
# an official, a country or a month is named without its class word.
_EN_WHICH = re.compile(r"\b(?:which|what) ([a-z]{3,})\b")
_EN_HEADS = frozenset("lake lakes sea river island mountain base bases airport port agreement agreements treaty "
                      "deal summit court company companies bank banks university forum council organization "
                      "organisation alliance party region province".split())


def english_slot(text: str, analyzer: str = DEFAULT_ANALYZER) -> tuple[str, ...]:
    """Arabic analysed forms of the thing an English how-many question counts,
    or of the class a which-question asks for.

    >>> english_slot('How many Kyrgyz companies did the US sanction?')
    ('شرك',)
    >>> 'سكان' in english_slot('What is the population of Kyrgyzstan?'), english_slot('How many days?')
    (True, ())
    >>> english_slot('Which lake did Putin visit?'), english_slot('Which countries has Putin visited?')
    (('بحير',), ())
    """
    low = text.lower()
    m = _EN_COUNTED.search(low)
    w = None if m else _EN_WHICH.search(low)
    if w and w.group(1) in _EN_HEADS:  # the class noun itself, not its loose skeleton («بحيرة» is not «بحرية»)
        return tuple(t for t in _arabic_names(w.group(1), analyzer) if not t.startswith("~"))
    if not m:
        return ()
    return _arabic_names(m.group(2) or m.group(3), analyzer)


def _arabic_names(noun: str, analyzer: str) -> tuple[str, ...]:
    """The Arabic analysed forms rag/synonyms.py gives an English noun."""
    out = [t for _, others in alternatives(analyze(noun, analyzer), analyzer).pairs for o in others for t in sorted(o)
           if not t.lstrip("~").isascii()]
    return tuple(dict.fromkeys(out))
