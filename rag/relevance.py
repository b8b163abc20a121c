"""Does a sentence answer *this* question?

The support check (rag/cite.py) asks whether a sentence's words are in a
passage; a title or a neighbouring fact copied from any retrieved passage
passes it.  This module asks the other half: is the sentence of the kind the
question asks for (a reason for لماذا, a date for متى, a number for كم), and
is it about the question's subject?

The question is analysed once into a :class:`Query` (rag/query.py) and passed
down to the retriever's callers, the extractive ranker and the checker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from index.arabic import normalize, tokenize
from index.lexical import analyze, is_stopword

from .kinds import asks_relative, has_duration, has_type
from .query import _ASKING, Query, analyse_query  # noqa: F401 - analyse_query: doctest
from .synonyms import Alternatives, names_city

# Words that introduce a cause or a consequence in news Arabic (normalised).
_REASON_WORDS = set(tokenize(
    "لان لانه لانها لانهم بسبب سبب السبب بسببه لهذا لذلك ولذلك ولهذا بعدما اذ كون كونها كونه بصفتها بصفته "
    "بتهمه بتهمة خلفيه نظرا بهدف مما اثار اثار جراء بحجه لاجل اجل فستكون مجبره ملزمه ملزمتين يلزم تلزم "
    "because due since reason therefore"
))
# A purpose is a cause too: «استخدمت روسيا الفيتو… لوضع حد لمراقبة…» (eval q157).
# Normalised like the text they are looked for in: «على» is «علي» there, so «على خلفية» never matched.
_REASON_PHRASES = tuple(normalize(p) + (" " if p.endswith(" ") else "") for p in (
    "على خلفيه", "من اجل", "ما اثار", "اذ ان", "لهذا السبب", "بعد ان", "نتيجه ل",
    "لوضع حد", "بغيه", "سعيا ل", "لكي ", "كي لا"))

# Analysed forms of the connectives a writer adds to copied evidence («لأن»،
# «بسبب»، «كما»): they state no fact of their own.
LINKS = frozenset(analyze(" ".join(_REASON_WORDS) + " كما ايضا حيث وفقا بحسب ذلك قال قالت اعلن اشار ان"))


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

    >>> is_heading('بعد إصدار مذكرة جنائية دولية لتوقيفه.. تفاصيل أول زيارة',
    ...            ('بعد إصدار مذكرة جنائية دولية لتوقيفه.. تفاصيل أول زيارة',))
    True
    >>> (is_heading('أصدرت المحكمة مذكرة توقيف بحق بوتين- جيتي'),
    ...  is_heading('وصل بوتين صباح الخميس.', ('وصل بوتين صباح الخميس.',)))
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
        kind_ok = has_duration(sentence, relative=asks_relative(query.asked or query.text))
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
