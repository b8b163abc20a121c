"""Counted nouns in Arabic and English by CLDR plural rules (Babel's).

Arabic has six plural forms: «لا مقالات» (0), «مقالة واحدة» (1), «مقالتان» (2),
«3 مقالات» (3-10), «15 مقالة» (11-99), «100 مقالة» (100 and more); the page
said «15 مقالات» and «4 مقالة».  English has two.  The form is chosen by
Babel's CLDR rules, the words are ours (one line per noun below).
"""

from __future__ import annotations

from functools import lru_cache

# noun -> language -> CLDR category -> text ({n} is the number)
NOUNS: dict[str, dict[str, dict[str, str]]] = {
    "article": {
        "ar": {"zero": "لا مقالات", "one": "مقالة واحدة", "two": "مقالتان", "few": "{n} مقالات",
               "many": "{n} مقالة", "other": "{n} مقالة"},
        "en": {"one": "{n} article", "other": "{n} articles"},
    },
    "chunk": {
        "ar": {"zero": "لا مقاطع", "one": "مقطع واحد", "two": "مقطعان", "few": "{n} مقاطع",
               "many": "{n} مقطعاً", "other": "{n} مقطع"},
        "en": {"one": "{n} chunk", "other": "{n} chunks"},
    },
    "passage": {
        "ar": {"zero": "لا مقاطع", "one": "مقطع واحد", "two": "مقطعان", "few": "{n} مقاطع",
               "many": "{n} مقطعاً", "other": "{n} مقطع"},
        "en": {"one": "{n} passage", "other": "{n} passages"},
    },
    "question": {
        "ar": {"zero": "لا أسئلة", "one": "سؤال واحد", "two": "سؤالان", "few": "{n} أسئلة",
               "many": "{n} سؤالاً", "other": "{n} سؤال"},
        "en": {"one": "{n} question", "other": "{n} questions"},
    },
    "answer": {
        "ar": {"zero": "لا إجابات", "one": "إجابة واحدة", "two": "إجابتان", "few": "{n} إجابات",
               "many": "{n} إجابة", "other": "{n} إجابة"},
        "en": {"one": "{n} answer", "other": "{n} answers"},
    },
    "char": {
        "ar": {"zero": "لا أحرف", "one": "حرف واحد", "two": "حرفان", "few": "{n} أحرف",
               "many": "{n} حرفاً", "other": "{n} حرف"},
        "en": {"one": "{n} character", "other": "{n} characters"},
    },
    "citation": {
        "ar": {"zero": "لا إحالات", "one": "إحالة واحدة", "two": "إحالتان", "few": "{n} إحالات",
               "many": "{n} إحالة", "other": "{n} إحالة"},
        "en": {"one": "{n} citation", "other": "{n} citations"},
    },
    "sentence": {
        "ar": {"zero": "لا جمل", "one": "جملة واحدة", "two": "جملتان", "few": "{n} جمل",
               "many": "{n} جملة", "other": "{n} جملة"},
        "en": {"one": "{n} sentence", "other": "{n} sentences"},
    },
    "file": {
        "ar": {"zero": "لا ملفات", "one": "ملف واحد", "two": "ملفان", "few": "{n} ملفات",
               "many": "{n} ملفاً", "other": "{n} ملف"},
        "en": {"one": "{n} file", "other": "{n} files"},
    },
}


@lru_cache(maxsize=8)
def _rule(lang: str):
    from babel import Locale

    return Locale.parse(lang).plural_form


def plural_form(lang: str, n: int) -> str:
    """The CLDR plural category of ``n`` in ``lang`` ('ar' or 'en').

    >>> [plural_form('ar', n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 102, 1000)]
    ['zero', 'one', 'two', 'few', 'few', 'many', 'many', 'other', 'other', 'other']
    >>> plural_form('en', 1), plural_form('en', 0)
    ('one', 'other')
    """
    return _rule("ar" if lang == "ar" else "en")(abs(int(n)))


def count(lang: str, n, noun: str) -> str:
    """``n`` ``noun`` in ``lang``, in the form its plural rules ask for; an
    unknown count ("?") is shown as it is beside the plural.

    >>> [count('ar', n, 'article') for n in (0, 1, 2, 4, 15, 100)]
    ['لا مقالات', 'مقالة واحدة', 'مقالتان', '4 مقالات', '15 مقالة', '100 مقالة']
    >>> count('en', 1, 'chunk'), count('en', 1035, 'chunk'), count('en', '?', 'article')
    ('1 chunk', '1,035 chunks', '? articles')
    """
    forms = NOUNS[noun]["ar" if lang == "ar" else "en"]
    if not isinstance(n, int):
        try:
            n = int(n)
        except (TypeError, ValueError):
            return forms["other"].format(n=n)
    return forms.get(plural_form(lang, n), forms["other"]).format(n=f"{n:,}" if lang != "ar" else str(n))
