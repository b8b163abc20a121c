"""What a sentence asserts or denies, in a form two sentences can be compared
in: «غاب عن القمة», «لم يحضر القمة», "skipped the summit" and "did not
attend" are one stance (attend, denied); «حضر», «شارك», «لم يغب» the other.

Three things a word-overlap check misses (an audit: ``check_sentence`` took
11 of 12 opposite pairs as support): antonyms (attend/absent, accept/reject,
win/lose, rise/fall, confirm/deny, allow/ban), negation that does not sit
right before its verb (English "did not attend", «لم يتمكن من حضور»,
«امتنع عن حضور», "failed to attend"), and another month for the same event.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.arabic import light_stem, normalize, skeleton
from index.lexical import is_stopword

# (stance, sign): the stems (Arabic, after a conjunction, «ب/ل», «س» and an
# imperfect prefix are taken off) or English word forms that state it.
_CLASSES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("attend", 1, ("حضر", "حضور", "حاضر", "شارك", "مشارك", "تواجد", "متواجد",
                   "attend", "attended", "attends", "attending", "attendance", "participate", "participated",
                   "participates", "participating", "participation", "joined", "present")),
    # not «مقاطعة»: on other topics it is a province (4 of 4 in the ARCD dev articles), not a boycott
    ("attend", -1, ("غاب", "غيب", "غياب", "غايب", "قاطع", "تغيب", "تخلف", "=غب",
                    "skip", "skipped", "skips", "skipping", "missed", "absent", "absence", "boycott", "boycotted",
                    "boycotting", "abstain", "abstained", "stayed away")),
    ("accept", 1, ("وافق", "موافق", "accept", "accepted", "accepts", "agree", "agreed", "agrees", "approve",
                   "approved")),
    ("accept", -1, ("رفض", "رافض", "reject", "rejected", "rejects", "refuse", "refused", "refuses", "refusal")),
    ("win", 1, ("فاز", "فوز", "win", "wins", "won", "winning")),
    ("win", -1, ("خسر", "خساره", "lose", "loses", "lost", "losing")),
    ("rise", 1, ("ارتفع", "ارتفاع", "رتفع", "صعد", "صعود", "rise", "rises", "rose", "risen", "increase", "increased",
                 "grew", "grow", "grows")),
    ("rise", -1, ("انخفض", "انخفاض", "نخفض", "تراجع", "هبط", "هبوط", "fall", "falls", "fell", "fallen",
                  "decrease", "decreased", "drop", "dropped")),
    ("confirm", 1, ("اكد", "تاكيد", "confirm", "confirmed", "confirms")),
    ("confirm", -1, ("نفي", "deny", "denied", "denies")),
    ("allow", 1, ("سمح", "allow", "allowed", "permit", "permitted")),
    ("allow", -1, ("منع", "حظر", "ban", "banned", "forbid", "forbade", "prohibited")),
)
_PHRASES = {"took part": "participated", "take part": "participate", "taking part": "participating",
            "stayed away": "absent", "stay away": "absent", "did not": "not", "does not": "not", "do not": "not",
            "was not": "not", "were not": "not", "has not": "not", "had not": "not", "will not": "not"}
NEGATORS = frozenset(normalize(w) for w in (
    "لم لن لا ليس ليست ليسوا غير عدم not never no didn't doesn't don't won't isn't wasn't weren't hasn't haven't "
    "hadn't cannot can't couldn't".split()))
# Verbs that deny the stance after them: «امتنع عن حضور», "failed to attend", "refused to join".
_DENYING = ("امتنع", "متنع", "فشل", "تعذر", "عجز", "رفض", "نفي", "failed", "fail", "fails", "unable",
            "refused", "declined", "denied", "avoided")
# Words a negation passes over to reach its verb: «لم يتمكن من حضور», "has not yet attended".
_THROUGH = frozenset(normalize(w) for w in (
    "تمكن يتمكن استطاع يستطع يستطيع قادر قادرا من عن ان أن في قد بعد able to be been could can manage managed yet "
    "even ever actually".split()))


# What may follow an Arabic stem in a stance word: verb endings and attached pronouns, the feminine
# «ة» (normalised «ه»).  Any continuation was taken before: the ARCD dev articles' «غابات» (forests)
# read as absent, «حضرمي» and «حضرية» (a nisba, urban) as present, «تنفيذ» (execution) as a denial.
SUFFIXES = frozenset(("", "ت", "ا", "وا", "و", "ن", "نا", "تم", "تا", "ان", "ون", "ين", "ه", "ها", "هم", "هما",
                      "هن", "وه", "وها", "ته", "تها", "تهم", "كم", "ك"))
# Words that are other words, not the stance their stem spells: «تقاطع» (an intersection).
NOT_STANCES = frozenset(("تقاطع", "تقاطعه", "تقاطعات"))


def _forms(word: str) -> list[str]:
    """The word and its forms without a conjunction, «ب/ل», «س» and an imperfect prefix."""
    out = [word]
    w = word
    for pre in ("وف", "بل", "س", "يتنا"):
        if len(w) > 3 and w[0] in pre:
            w = w[1:]
            out.append(w)
    if len(w) == 3 and w[0] in "يت":  # «يغب»: a hollow verb's jussive
        out.append(w[1:])
    return out


@lru_cache(maxsize=8192)
def stance_of(word: str) -> tuple[str, int] | None:
    """The stance a word states, if it is one of the antonym classes.

    >>> stance_of('وحضر'), stance_of('يغب'), stance_of('skipped'), stance_of('بوتين')
    (('attend', 1), ('attend', -1), ('attend', -1), None)
    >>> stance_of('مشاركته'), stance_of('غابات'), stance_of('حضرمي'), stance_of('تنفيذ'), stance_of('مقاطعه')
    (('attend', 1), None, None, None, None)
    """
    if word in NOT_STANCES:
        return None
    forms = _forms(word)
    for key, sign, stems in _CLASSES:
        for st in stems:
            if st.startswith("="):
                if st[1:] in forms:
                    return key, sign
            elif st.isascii():
                if word == st:
                    return key, sign
            elif any(f.startswith(st) and f[len(st):] in SUFFIXES for f in forms):
                return key, sign
    return None


def _denying(word: str) -> bool:
    return any(f.startswith(d) if not d.isascii() else f == d for f in _forms(word) for d in _DENYING)


def words(text: str) -> list[str]:
    """Normalised words, English negations and two-word verbs joined.

    >>> words("Putin did not take part.")
    ['putin', 'not', 'participate']
    """
    t = normalize(text).lower()
    for a, b in _PHRASES.items():
        t = re.sub(rf"\b{a}\b", b, t)
    return re.findall(r"[\w']+", t)


def _is_negator(w: str) -> bool:
    return w in NEGATORS or (w[:1] in "وف" and w[1:] in NEGATORS)


@lru_cache(maxsize=4096)
def stances(text: str) -> tuple[tuple[str, int, int], ...]:
    """(stance, polarity, word position) for each antonym-class word; a
    negation reaches the next word that is not a modal or a particle, a
    denying verb the stance word within the next three.

    >>> [s[:2] for s in stances('لم يتمكن بوتين من حضور القمة')]
    [('attend', -1)]
    >>> [s[:2] for s in stances('لم يغب بوتين عن القمة')], [s[:2] for s in stances('Putin failed to attend')]
    ([('attend', 1)], [('attend', -1)])
    >>> [s[:2] for s in stances('رفضت روسيا أمر الاعتقال')]
    [('accept', -1)]
    """
    ws = words(text)
    out: list[tuple[str, int, int]] = []
    negate_at = -1  # the word a negation or a denying verb applies to
    for i, w in enumerate(ws):
        if _is_negator(w):
            j = i + 1
            while j < len(ws) and j - i <= 3 and _through(ws[j]) and stance_of(ws[j]) is None:
                j += 1
            if j > i + 1 or (j < len(ws) and stance_of(ws[j]) is None and _through(ws[j])):
                # past a modal («لم يتمكن بوتين من حضور»): the first stance word within four
                j = next((k for k in range(j, min(len(ws), i + 6)) if stance_of(ws[k])), j)
            negate_at = j
            continue
        if _denying(w) and i != negate_at:
            nxt = next((j for j in range(i + 1, min(len(ws), i + 4)) if stance_of(ws[j])), None)
            if nxt is not None:
                negate_at = nxt
                continue
        st = stance_of(w)
        if st:
            out.append((st[0], -st[1] if i == negate_at else st[1], i))
    return tuple(out)


def _through(w: str) -> bool:
    """A modal or particle a negation passes over (with a prefix: «يستطع»)."""
    return any(f in _THROUGH for f in _forms(w))


def content(text: str) -> set[str]:
    """The content words' stems (no stopwords, no stance words), to tell
    whether two sentences speak of the same thing."""
    return {skeleton(light_stem(w)) for w in words(text)
            if not is_stopword(w) and not _is_negator(w) and stance_of(w) is None and len(w) > 2}


def window(text: str, at: int, left: int = 2, right: int = 6) -> set[str]:
    """The stems of the ``left`` content words before position ``at`` and the
    ``right`` after it: the stance's subject and object, whatever their order
    (Arabic puts the verb first, English the subject; an attribution such as
    «ذكرت صحيفة محلية أن» further left is not part of the claim).

    >>> sorted(window('ذكرت صحيفة محلية أن بوتين حضر قمة بريكس في جنوب أفريقيا', 5))
    ['افرق', 'بركس', 'بوت', 'جنب', 'قمه', 'محل']
    """
    ws = words(text)

    def stem(w: str) -> str | None:
        if is_stopword(w) or _is_negator(w) or stance_of(w) is not None or len(w) <= 2:
            return None
        return skeleton(light_stem(w))

    before = [x for x in (stem(w) for w in reversed(ws[:at])) if x][:left]
    after = [x for x in (stem(w) for w in ws[at + 1:]) if x][:right]
    return set(before) | set(after)


def window_text(text: str, at: int, left: int = 2, right: int = 6) -> str:
    """The words around position ``at`` (as ``window``, unstemmed), for naming
    what the stance is about in any language.

    >>> window_text('Vladimir Putin attended the BRICS summit hosted by South Africa', 2)
    'vladimir putin the brics summit hosted by south'
    """
    ws = words(text)
    return " ".join(ws[max(0, at - left): at] + ws[at + 1: at + 1 + right])


# Month names (Gregorian, Levantine, English) to their number.
_MONTHS = {}
for _n, _names in enumerate((
        "يناير كانون_الثاني january jan", "فبراير شباط february feb", "مارس اذار march", "ابريل نيسان april apr",
        "مايو ايار may", "يونيو يونيه حزيران june jun", "يوليو يوليه تموز july jul", "اغسطس اب august aug",
        "سبتمبر ايلول september sep sept", "اكتوبر تشرين_الاول october oct", "نوفمبر تشرين_الثاني november nov",
        "ديسمبر كانون_الاول december dec"), 1):
    for _m in _names.split():
        _MONTHS[_m] = _n
_AMBIGUOUS_MONTHS = {"may", "mar", "اب"}  # a verb, a father: a month only beside another month name


def months(text: str) -> set[int]:
    """The months a text names.

    >>> sorted(months('في يوليو/تموز')), sorted(months('قمة البريكس في أغسطس')), months('may attend')
    ([7], [8], set())
    """
    t = normalize(text).lower()
    t = re.sub(r"(تشرين|كانون) (الاول|الثاني)", r"\1_\2", t)
    ws = re.findall(r"[\w]+", t)
    found = {_MONTHS[w[1:] if w[:1] in "وف" and w[1:] in _MONTHS else w] for w in ws
             if (w in _MONTHS or (w[:1] in "وف" and w[1:] in _MONTHS)) and w not in _AMBIGUOUS_MONTHS}
    return found


_EVENTS = frozenset(("قمه", "منتدي", "مؤتمر", "summit", "forum", "conference"))
_EVENT_REACH = 12  # words from an event's name to the month it is dated by


def _dated_events(text: str) -> list[tuple[frozenset[str], set[int]]]:
    """(the words naming an event, the months named after it) for each
    one-off event of the text (a summit, a forum, a conference).  The name
    runs to the first particle or punctuation: «قمة مجموعة العشرين، التي…»
    is {مجموعة، العشرين}.

    >>> [(sorted(n), m) for n, m in _dated_events('لم يحضر قمة مجموعة البريكس في يوليو.')]
    [(['بركس', 'مجمع'], {7})]
    """
    toks = re.findall(r"[\w']+|[^\w\s\"'«»“”]", normalize(text).lower())  # quotes do not end a name
    stems = [skeleton(light_stem(w)) for w in toks]
    events = {skeleton(light_stem(normalize(e))) for e in _EVENTS}
    at = [i for i, st in enumerate(stems) if st in events]
    out = []
    for k, i in enumerate(at):
        reach = [j for j in range(i + 1, len(toks)) if toks[j][0].isalnum()][:_EVENT_REACH]
        end = min(reach[-1] + 1 if reach else i + 1, at[k + 1] if k + 1 < len(at) else len(toks))
        name = []
        for j in range(i + 1, min(end, i + 4)):
            if not toks[j][0].isalnum() or is_stopword(toks[j]) or months(toks[j]):
                break
            name.append(stems[j])
        when = months(" ".join(toks[i + 1:end]))
        if name and when:
            out.append((frozenset(name), when))
    return out


def other_month(a: str, b: str) -> bool:
    """Do two sentences date the same one-off event (a summit, a forum) by
    different months?  Trips and visits recur (a visit in October and one
    in December are two visits), so only named events count.

    >>> other_month('لم يحضر بوتين قمة مجموعة البريكس في يوليو.', 'أرسلت روسيا لافروف إلى قمة البريكس في أغسطس.')
    True
    >>> other_month('زار بوتين قرغيزستان في ديسمبر.', 'يزور بوتين قرغيزستان في 12 أكتوبر.')
    False
    >>> other_month('قمة بريكس في يوليو/تموز.', 'قمة بريكس في يوليو.')
    False
    >>> other_month('لم يحضر قمة مجموعة البريكس في يوليو.', 'لن يحضر قمة مجموعة العشرين في سبتمبر.')
    False
    """
    return any((na <= nb or nb <= na) and not ma & mb for na, ma in _dated_events(a) for nb, mb in _dated_events(b))
