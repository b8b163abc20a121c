"""Is the answer really in the passages?  Beyond retrieval's topical
confidence, a question asking "how many" or "when" needs a passage sentence
that states a number or a date; without one we say the articles don't say."""

from __future__ import annotations

import re

from index.arabic import normalize

_NUMBER_Q = re.compile(r"(^|\s)[وف]?(كم|بكم|how (many|much|long)|what (number|percentage))\b")
_DATE_Q = re.compile(
    r"(^|\s)[وف]?(متي|امتي|ايمتي|اي (شهر|عام|سنه|يوم|تاريخ)|في اي (شهر|عام|سنه|يوم|تاريخ)|when|what (year|month|day|date)|which (year|month|day))\b"
)
_MONTHS = (
    "يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر "
    "كانون شباط اذار نيسان ايار حزيران تموز اب ايلول تشرين "
    "السبت الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعه "
    "صباح مساء امس غدا اليوم الاسبوع الشهر العام الماضي المقبل القادم عام سنه منتصف اوائل اواخر"
)
_DATE_WORDS = set(_MONTHS.split())
_NUMBER_WORDS = set(
    "واحد اثنان اثنين ثلاث ثلاثه اربع اربعه خمس خمسه ست سته سبع سبعه ثمان ثمانيه تسع تسعه عشر عشره "
    "عشرين ثلاثين اربعين خمسين مئه مائه الف الاف مليون مليار يومين شهرين عامين اسبوعين نصف ربع "
    "العشرين الاول الثاني الثالث".split()
)


def expected_type(question: str) -> str | None:
    """'number' for how-many questions, 'date' for when-questions, else None.

    >>> expected_type('كم تستغرق الزيارة؟'), expected_type('متى زار بوتين الصين؟'), expected_type('لماذا؟')
    ('number', 'date', None)
    >>> expected_type('When did the court issue the warrant?'), expected_type('ومتى حدث ذلك؟'), expected_type('وكم يوما؟')
    ('date', 'date', 'number')
    """
    q = normalize(question)
    if _NUMBER_Q.search(q):
        return "number"
    if _DATE_Q.search(q):
        return "date"
    return None


def has_type(sentence: str, kind: str | None) -> bool:
    """Does the sentence state something of the expected kind?

    >>> has_type('وصل الرئيس صباح الخميس', 'date'), has_type('وافق البرلمان على خطوة مهمة', 'number')
    (True, False)
    """
    if kind is None:
        return True
    s = normalize(sentence)
    words = set(re.findall(r"\w+", s))
    bare = {w[2:] if w.startswith("ال") else w for w in words} | {w[1:] for w in words if w[:1] in "وبلف"}
    if re.search(r"\d", s):
        return True
    if kind == "number":
        return bool((words | bare) & _NUMBER_WORDS)
    return bool((words | bare) & _DATE_WORDS)
