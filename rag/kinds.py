"""What kind of answer a sentence gives: a date (named or relative), a
number, a length of time.  rag/relevance.py asks these for the question's
kind; rag/abstain.py uses them to refuse a "when" question that no sentence
about its subject dates."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from index.arabic import normalize
from index.lexical import analyze

if TYPE_CHECKING:
    from .query import Query

_MONTHS = (
    "يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر "
    "كانون شباط اذار نيسان ايار حزيران تموز اب ايلول تشرين "
    "السبت الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعه "
    "صباح مساء امس غدا اليوم الاسبوع الشهر العام الماضي المقبل القادم عام سنه منتصف اوائل اواخر "
    # «بعد تسعة أشهر من استقباله» dates an event relative to another one
    "يوم ايام اسبوع اسابيع شهر اشهر شهور سنوات اعوام سنين ساعات"
)
_DATE_WORDS = set(_MONTHS.split())
# A named day, month or a year dates an event; «الماضي» or «بعد تسعة أشهر» only place it.
_EXACT_DATE = set(_MONTHS.split("صباح")[0].split())
_NUMBER_WORDS = set(
    "واحد اثنان اثنين ثلاث ثلاثه اربع اربعه خمس خمسه ست سته سبع سبعه ثمان ثمانيه تسع تسعه عشر عشره "
    "عشرين ثلاثين اربعين خمسين مئه مائه الف الاف مليون مليار يومين شهرين عامين اسبوعين نصف ربع "
    "العشرين الاول الثاني الثالث".split()
)


_DURATION_ASKED = re.compile(
    r"(?:^|\s)[وف]?(كم (من الوقت|يوما|يوم|ساعه|اسبوعا|شهرا|شهر|عاما|سنه|"
    r"تستغرق|استغرق|استغرقت|دام|دامت|استمر|استمرت|مضي)|"
    r"ما (هي )?مده|how long|how many (days|hours|weeks|months|years))")
_DURATION_WORDS = set(
    "يوم يوما يومين ايام ساعه ساعات ساعتين اسبوع اسبوعين اسابيع شهر شهرا شهرين اشهر شهور سنه سنتين سنوات "
    "عام عاما عامين اعوام دقيقه دقائق days hours weeks months years".split())


def asks_duration(question: str) -> bool:
    """Does a how-many question ask how long?

    >>> asks_duration('كم تستغرق زيارة بوتين إلى بشكيك؟'), asks_duration('How long was the visit?')
    (True, True)
    >>> asks_duration('كم عدد النواب؟'), asks_duration('كم استمر اللقاء؟')
    (False, True)
    """
    return bool(_DURATION_ASKED.search(normalize(question).lower()))


# A length right after «بعد/قبل/منذ/خلال» (or before "ago/later") dates an event
# relative to another one: «بعد تسعة أشهر من استقباله الزعيم الكوري» says when the
# visit came, not how long the meeting lasted (held-out U5 «كم دام لقاء بوتين مع
# كيم…» was answered with it).  Only counts and hedges («أقل من 3 أسابيع») may stand
# between the marker and the length.
_RELATIVE = set("بعد قبل منذ خلال after before since within".split())
_AFTER_LENGTH = set("ago later earlier".split())
_HEDGES = set("اقل اكثر من نحو حوالي قرابه زهاء less more than about nearly some".split())


def _relative(words: list[str], i: int) -> bool:
    """Is the length at ``words[i]`` counted from another event?"""
    if i + 1 < len(words) and words[i + 1] in _AFTER_LENGTH:
        return True
    j = i - 1
    while j >= 0 and (words[j] in _NUMBER_WORDS or words[j].isdigit() or words[j] in _HEDGES):
        j -= 1
    return j >= 0 and (words[j] in _RELATIVE or _bare(words[j]) in _RELATIVE)


_RELATIVE_ASKED = re.compile(r"(?:^|\s)[وف]?(بعد|قبل|منذ) كم|how long (after|before|ago|since)"
                             r"|how (many|much) \w+ (after|before|ago)")


def asks_relative(question: str) -> bool:
    """Does the question ask how long after or before another event («بعد كم
    شهر من صدور المذكرة…»)?  Then «بعد ستة أشهر من…» is its answer.

    >>> asks_relative('بعد كم شهر من صدور مذكرة الاعتقال زار بوتين الخارج؟'), asks_relative('كم دام اللقاء؟')
    (True, False)
    """
    return bool(_RELATIVE_ASKED.search(normalize(question).lower()))


def has_duration(sentence: str, relative: bool = False) -> bool:
    """Does the sentence state a length of time (not one counted from another
    event, unless ``relative``: the question asks «بعد كم…»)?

    >>> has_duration('بعد زيارة تستغرق يومين إلى بيشكيك'), has_duration('في الذكرى العشرين لافتتاحها')
    (True, False)
    >>> has_duration('تأتي الزيارة بعد تسعة أشهر من استقباله الزعيم'), has_duration('قبل أقل من 3 أسابيع من أمره')
    (False, False)
    >>> has_duration('The talks lasted three hours'), has_duration('He came two days ago')
    (True, False)
    >>> has_duration('تأتي الزيارة بعد تسعة أشهر من استقباله الزعيم', relative=True)
    True
    """
    words = re.findall(r"\w+", normalize(sentence).lower())
    for i, w in enumerate(words):
        if (w in _DURATION_WORDS or (w[:1] in "وبل" and w[1:] in _DURATION_WORDS)) and (
                relative or not _relative(words, i)):
            return True
    return False


# A number that is a year: a 19xx/20xx after a month or «في/منذ…» ("in", "since"…); any three or four
# digits after «عام/سنة» or with «م/هـ» after them; both ends of a range («1332 - 1406م»).  Every
# 19xx/20xx was taken for a year (a village of «2000 نسمة» had no number) and no earlier year was.
_YEAR_WORDS = {"عام", "العام", "عاما", "عامي", "سنه", "السنه", "سنة", "year", "years"}
_YEAR_BEFORE = _EXACT_DATE | _YEAR_WORDS | {"في", "منذ", "حتي", "مطلع", "اواخر", "اوايل", "بدايه", "نهايه",
                                            "خلال", "قبل", "بعد", "in", "since", "until", "by", "of", "from",
                                            "to", "during", "before", "after"}
_MODERN_YEAR = re.compile(r"\W*(?:19|20)\d\d(?:م|ه|هـ)?\W*")
_ANY_YEAR = re.compile(r"\W*[وب]?\d{3,4}(?:م|ه|هـ)?\W*")
_YEAR_RANGE = re.compile(r"(?<!\d)\d{3,4}\s*[-–]\s*\d{3,4}\s?(?:م|هـ|ه)?(?!\d)")


def _without_years(s: str) -> str:
    """``s`` without the numbers that are years.

    >>> _without_years('تأسست عام 1950 ويسكنها 2000 نسمة (1332 - 1406م)')
    'تأسست عام ويسكنها 2000 نسمة ( )'
    >>> _without_years('سقطت غرناطة عام 1492، وعاش بين عامي 1332 و1406م، ويضم 500 كتاب')
    'سقطت غرناطة عام وعاش بين عامي ويضم 500 كتاب'
    """
    toks = _YEAR_RANGE.sub(" ", s).split()
    out = []
    for i, tok in enumerate(toks):
        prev = (re.findall(r"\w+", toks[i - 1].lower()) or [""])[-1] if i else ""  # «شباط/فبراير»: فبراير
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        marked = bool(re.search(r"\d(?:م|ه|هـ)\W*$", tok)) or nxt in ("م", "ه", "هـ")
        if _ANY_YEAR.fullmatch(tok) and (marked or prev in _YEAR_WORDS or prev[1:] in _YEAR_WORDS):
            continue
        if _MODERN_YEAR.fullmatch(tok) and (prev in _YEAR_BEFORE or prev[1:] in _YEAR_BEFORE):
            continue
        out.append(tok)
    return " ".join(out)


def has_type(sentence: str, kind: str | None) -> bool:
    """Does the sentence state something of the expected kind?

    >>> has_type('وصل الرئيس صباح الخميس', 'date'), has_type('وافق البرلمان على خطوة مهمة', 'number')
    (True, False)
    >>> has_type('منذ الغزو في فبراير 2022', 'number'), has_type('فرضت عقوبات على 4 شركات', 'number')
    (False, True)
    >>> has_type('يبلغ عدد سكان القرية 2000 نسمة', 'number'), has_type('تأسست عام 1950 في القاهرة', 'number')
    (True, False)
    """
    if kind is None:
        return True
    s = normalize(sentence)
    words = set(re.findall(r"\w+", s))
    bare = {w[2:] if w.startswith("ال") else w for w in words} | {w[1:] for w in words if w[:1] in "وبلف"}
    if kind == "number":
        # A year («في شباط/فبراير 2022») dates a sentence; it answers no "how many".  Only a year where
        # it reads as one: every 19xx/20xx was taken for a year, and a village of «2000 نسمة» had no number.
        if re.search(r"\d", _without_years(s)):
            return True
        return bool((words | bare) & _NUMBER_WORDS)
    if re.search(r"\d", s):
        return True
    return bool((words | bare) & _DATE_WORDS)


def _bare(word: str) -> str:
    return word[1:] if word[:1] in "وبلف" and len(word) > 3 else word


def exact_date_near(query: Query, sentence: str, analyzer: str = "stem+skeleton", span: int = 4) -> bool:
    """Does the sentence give a named day, month or year within ``span`` words
    of a word of the question?  «يزور بوتين كوريا الشمالية الثلاثاء» dates the
    visit; «زيارة بوتين إلى كوريا الشمالية بعد تسعة أشهر من…» does not.

    >>> from rag.query import analyse_query
    >>> q = analyse_query('متى يزور بوتين كوريا الشمالية؟')
    >>> exact_date_near(q, 'يزور بوتين كوريا الشمالية الثلاثاء والأربعاء')
    True
    >>> exact_date_near(q, 'تأتي زيارة بوتين إلى كوريا الشمالية بعد تسعة أشهر من استقباله الزعيم')
    False
    """
    words = normalize(sentence).split()
    terms = set(query.terms)
    if query.language != "ar":  # no shared words to be near: any named date will do
        near = list(range(len(words)))
    else:
        near = [i for i, w in enumerate(words) if terms & set(analyze(w, analyzer))]
    for i, w in enumerate(words):
        b = _bare(w)
        if re.search(r"\d", w) or b in _EXACT_DATE or b.removeprefix("ال") in _EXACT_DATE:
            if any(abs(i - j) <= span for j in near):
                return True
    return False


# «ما نتيجة قمة بريكس…», "What was the outcome of the talks?" ask what an event led to; a
# sentence reporting the event («لم يحضر بوتين قمة بريكس…») without a result does not
# answer (held-out U3).
_OUTCOME_ASKED = re.compile(
    r"(?:^|\s)[وف]?(ما|ماذا) (هي |هو )?(ال)?(نتيجه|نتايج|حصيله|محصله)(\s|$)|(?:^|\s)(بماذا|عما|عن ماذا) "
    r"(خرج|خرجت|اسفر|اسفرت|انتهي|انتهت)|what (was|were|is|are) the (outcome|result|results)|what came of")
_OUTCOME_WORDS = set(normalize(
    "نتيجة نتائج النتيجة النتائج أسفر أسفرت يسفر توصل توصلا توصلوا التوصل اتفق اتفقا اتفقوا اتفاق اتفاقا "
    "اتفاقية الاتفاق الاتفاقية اتفاقات خلص خلصت اختتم اختتمت الختامي ختامي").split()) | {
    "result", "results", "outcome", "agreed", "agreement"}


def asks_outcome(question: str) -> bool:
    """Does the question ask for an event's outcome?

    >>> (asks_outcome('ما نتيجة قمة بريكس التي عقدت في جنوب أفريقيا؟'),
    ...  asks_outcome('What was the outcome of the talks?'))
    (True, True)
    >>> asks_outcome('ما القمة التي لم يحضرها بوتين؟')
    False
    """
    return bool(_OUTCOME_ASKED.search(normalize(question).lower()))


def has_outcome(sentence: str) -> bool:
    """Does the sentence state a result (an agreement, a conclusion)?

    >>> has_outcome('وخلال هذه الزيارة تبادل الرجلان الثناء، لكنهما لم يعلنا رسميا التوصل إلى اتفاق')
    True
    >>> has_outcome('ولم يحضر بوتين قمة بريكس التي استضافتها جنوب أفريقيا')
    False
    """
    words = re.findall(r"\w+", normalize(sentence).lower())
    return any(_bare(w) in _OUTCOME_WORDS or w in _OUTCOME_WORDS for w in words)
