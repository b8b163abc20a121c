"""Does a sentence answer *this* question?

The support check (rag/cite.py) asks whether a sentence's words are in a
passage; a title or a neighbouring fact copied from any retrieved passage
passes it.  This module asks the other half: is the sentence of the kind the
question asks for (a reason for لماذا, a date for متى, a number for كم), and
is it about the question's subject?

The question is analysed once into a :class:`Query` and passed down to the
retriever's callers, the extractive ranker and the checker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from index.arabic import detect_language, light_stem, normalize, skeleton, tokenize
from index.lexical import DEFAULT_ANALYZER, analyze, is_stopword

from .kinds import asks_duration, has_duration, has_type
from .roles import Asked, asked_of
from .nations import nisba_pairs
from .synonyms import Alternatives, alternatives, names_city

KINDS = ("reason", "date", "number", "person", "place")

_P = r"(?:^|\s)[وف]?"
_KIND_PATTERNS = (
    ("reason", re.compile(_P + r"(لماذا|ليش|ليه|علام|لاي سبب|ما سبب|ما السبب|ما الذي دفع|ما الذي جعل|why|for what reason)\b")),
    ("number", re.compile(_P + r"(كم|بكم|قديش|كام|(ما|كم) (قيمه|حجم|نسبه|مبلغ|تكلفه)|how (many|much|long)|"
                          r"what (is |was |are |were )?(the )?(total )?(number|percentage|amount|value|size|population))\b")),
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
    r"(?:^|\s)[وف]?(?:ما اسم|ما هو اسم|من هو|من هي|كم عدد|كم يبلغ عدد|ما عدد|ما (?:هي |هو )?(?=ال\w+ (?:التي|الذي|الذين)))\s*(\S+)"
)

# Words that introduce a cause or a consequence in news Arabic (normalised).
_REASON_WORDS = set(tokenize(
    "لان لانه لانها لانهم بسبب سبب السبب بسببه لهذا لذلك ولذلك ولهذا بعدما اذ كون كونها كونه بصفتها بصفته "
    "بتهمه بتهمة خلفيه نظرا بهدف مما اثار اثار جراء بحجه لاجل اجل فستكون مجبره ملزمه ملزمتين يلزم تلزم "
    "because due since reason therefore"
))
_REASON_PHRASES = ("على خلفيه", "من اجل", "ما اثار", "اذ ان", "لهذا السبب", "بعد ان", "نتيجه ل")

# Words of the question that say what is asked, not what it is about.
_ASKING = set(tokenize(
    "اسم ما ماذا لماذا ليش ليه مين شو وش ايش امتي ايمتي وين فين قديش كام اللي يلي هل كيف اي "
    "هو هي هم الذي التي الذين المذكور المذكوره تذكر ذكرت الخبر الاخبار المقال المقالات "
    "سبب السبب عدد يبلغ تبلغ هناك هنا ذلك تلك هذا هذه هؤلاء "
    "will would shall has have had its his her their s between since been being do does did is are was were many much "
    "he him she they them it not other another else "
    "according articles article say says said"
))


# Analysed forms of the connectives a writer adds to copied evidence («لأن»،
# «بسبب»، «كما»): they state no fact of their own.
LINKS = frozenset(analyze(" ".join(_REASON_WORDS) + " كما ايضا حيث وفقا بحسب ذلك قال قالت اعلن اشار ان"))


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


def with_clitics(forms: tuple[str, ...]) -> tuple[str, ...]:
    """Analysed forms plus the same with a clitic preposition or conjunction,
    which the light stemmer keeps: «بمناسبة» mentions «المناسبة».

    >>> with_clitics(('مناسب', '~منسب'))[:4]
    ('مناسب', '~منسب', 'بمناسب', '~بمنسب')
    >>> with_clitics(('وثايق', '~وثق'))[-1]
    'ثايق'
    """
    out = list(forms)
    for p in ("ب", "ل", "ك", "و", "ف", "وب", "ول", "فب"):
        out += [f"~{p}{f[1:]}" if f.startswith("~") else p + f for f in forms]
    # A word whose own first letter is و or ف loses it to the stemmer where it has no article
    # («الوثائق» keeps it, «وثائق» becomes «ثائق»): the shortened form names it too.
    for f in forms:
        bare = f.lstrip("~")
        if bare[:1] in ("و", "ف") and len(bare) >= 4:
            out.append(("~" if f.startswith("~") else "") + bare[1:])
    return tuple(out)


@dataclass(frozen=True)
class Relevance:
    focus: float  # IDF-weighted share of the question's terms in the sentence, 0..1
    kind_ok: bool  # states something of the kind asked for (always True for kinds not checked)
    slot_ok: bool  # names the thing asked about, when the question has one
    heading: bool  # a title or caption, not a statement

    @property
    def ok(self) -> bool:
        return self.kind_ok and self.slot_ok and not self.heading


def is_heading(sentence: str, titles: tuple[str, ...] = ()) -> bool:
    """A title, a photo caption or a teaser, not a statement: it repeats an
    article's title, or it ends without a full stop and carries the
    headline's '..' or a photo credit.

    >>> is_heading('بعد إصدار مذكرة جنائية دولية لتوقيفه.. تفاصيل أول زيارة', ('بعد إصدار مذكرة جنائية دولية لتوقيفه.. تفاصيل أول زيارة',))
    True
    >>> is_heading('أصدرت المحكمة مذكرة توقيف بحق بوتين- جيتي'), is_heading('وصل بوتين صباح الخميس.', ('وصل بوتين صباح الخميس.',))
    (True, False)
    >>> is_heading('بوتين يزور كوريا الشمالية لتوقيع اتفاق شراكة استراتيجية..')
    True
    >>> is_heading('التقى بوتين برئيس قرغيزستان خلال رحلة خارجية نادرة (ديمتري أزاروف/سبوتنيك عبر رويترز)')
    True
    """
    s = normalize(sentence).strip(" .،")
    if not s:
        return True
    end = sentence.rstrip(" \"'”»)")
    if end.endswith(("..", "…")):
        return True  # a headline teaser: «بوتين يزور كوريا الشمالية لتوقيع اتفاق شراكة..»
    if end.endswith((".", "؟", "?", "!")):
        return False  # a statement, even when the loader made it the title (a first line)
    toks = set(s.split())
    for t in titles:
        tt = set(normalize(t).split())
        if tt and len(toks & tt) / len(toks | tt) >= 0.6:
            return True
    if re.search(r"(\.\.|…)\s*\S", sentence) and not sentence.rstrip().endswith((".", "؟", "!")):
        return True
    credit = r"(جيتي|رويترز|فرانس برس|ا ف ب|سبوتنيك|اسوشيتد برس|تاس|getty|reuters|afp|ap|sputnik)"
    # a photo credit after a dash, or in brackets at the end: «… (ديمتري أزاروف/سبوتنيك عبر رويترز)»
    return bool(re.search(r"[-–]\s*" + credit + r"\s*$", s) or re.search(r"\([^()]*" + credit + r"[^()]*\)\s*$", s))


def relevance(query: Query, sentence: str, idf: Callable[[list[str]], dict[str, float]] | None = None,
              analyzer: str = "stem+skeleton", titles: tuple[str, ...] = (), bag: set[str] | None = None) -> Relevance:
    """How well ``sentence`` answers ``query`` (see :class:`Relevance`); ``bag``
    is the sentence's analysed terms when the caller has them.

    >>> q = analyse_query('متى زار بوتين الصين؟')
    >>> r = relevance(q, 'زار بوتين الصين في فبراير 2022.'); (r.ok, r.focus)
    (True, 1.0)
    >>> relevance(q, 'زار بوتين الصين للمشاركة في المنتدى.').ok
    False
    """
    bag = set(analyze(sentence, analyzer)) if bag is None else bag
    terms = list(query.terms)
    if terms:
        weights = query.scale(idf(terms) if idf else {t: 1.0 for t in terms})
        total = sum(weights.values()) or 1.0
        focus = sum(w for t, w in weights.items() if t in bag) / total
    else:
        focus = 0.0
    if query.duration:  # «كم تستغرق…»: «الذكرى العشرين» is a number, not a length of time
        kind_ok = has_duration(sentence)
    elif query.kind in ("date", "number"):
        kind_ok = has_type(sentence, query.kind)
    elif query.city:  # «في أي مدينة…»: a country is no answer
        kind_ok = names_city(bag, analyzer)
    else:
        kind_ok = True
    slot_ok = not query.slot or any(f in bag for f in query.slot)
    return Relevance(focus=round(focus, 4), kind_ok=kind_ok, slot_ok=slot_ok, heading=is_heading(sentence, titles))


# ---------------------------------------------------------------- clitic prepositions
# «بـ، لـ، كـ» are written onto the next word and the light stemmer keeps them when there is
# no article: «لجباروف» and «جباروف», «التهمة» and «بتهمة» are different index terms.  A
# question word the articles never use, whose form with the clitic removed (or added) they
# do use, names that word (browser review: «متى التقى بوتين بجباروف؟» was refused,
# «ما هي التهمة الموجهة لبوتين؟» had focus 0).
_PREPOSITIONS = ("ب", "ل", "ك")


def without_clitic(word: str) -> str:
    """The word without a leading «بـ/لـ/كـ» (after «و/ف»), or '' when it has none.

    >>> without_clitic('لجباروف'), without_clitic('وبزيارة'), without_clitic('لكوريا'), without_clitic('بكم')
    ('جباروف', 'زيارة', 'كوريا', '')
    """
    w = word[1:] if word[:1] in ("و", "ف") and len(word) > 4 else word
    if w[:1] in _PREPOSITIONS and len(w) >= 5:
        return w[1:]
    return ""


def clitic_pairs(query: Query, known: Callable[[list[str]], set[str]]) -> tuple:
    """Alternatives pairs (own forms, (other forms,)) for the question's words
    that no article uses, but whose form without a clitic preposition the
    articles use.  Measured (eval/README.md): pairing every clitic word
    («لزيارة» with «زيارة») lost q001, pairing a word with the articles'
    clitic form («المناسبة» with «بمناسبة») lost q119.  ``known`` filters analysed terms to those
    in the index."""
    pairs = []
    for w in tokenize(query.text):
        if w in _ASKING or is_stopword(w):
            continue
        own = tuple(analyze(w, query.analyzer))
        if not own or known(list(own)):
            continue
        bare = without_clitic(w)
        other = tuple(analyze(bare, query.analyzer)) if bare else ()
        if other and known(list(other)):
            pairs.append((frozenset(own), (frozenset(known(list(other))),)))
    return tuple(pairs)


def with_clitic_names(query: Query, known: Callable[[list[str]], set[str]]) -> Query:
    """The query whose other names include the clitic forms the articles use."""
    from dataclasses import replace

    pairs = clitic_pairs(query, known)
    return replace(query, alts=Alternatives(query.alts.pairs + pairs)) if pairs else query
