"""Arabic text helpers: normalisation for matching, tokenising, light stemming,
sentence splitting.

Normalised text is only ever used for *matching* (BM25, evidence checks,
citation support); what users see is always the original text.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat, tanween, shadda, sukun, superscript alef and Quranic marks.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_BIDI_MARKS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

_CHAR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ک": "ك",  # Persian kaf
        "ی": "ي",  # Persian yeh
        "ـ": "",
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        "،": ",",
        "؛": ";",
        "؟": "?",
        "٪": "%",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
    }
)

_WORD = re.compile(r"[\w]+", re.UNICODE)


def strip_diacritics(text: str) -> str:
    """Remove Arabic diacritics (tashkeel) and tatweel.

    >>> strip_diacritics('أَحْمَد')
    'أحمد'
    >>> strip_diacritics('بـــوتين')
    'بوتين'
    """
    return _DIACRITICS.sub("", text).replace(_TATWEEL, "")


def normalize(text: str) -> str:
    """Fold Arabic spelling variation so that equivalent strings compare equal.

    Strips diacritics, tatweel and bidi marks, unifies alef/hamza forms,
    maps ى->ي, ة->ه, ؤ->و, ئ->ي, Arabic-Indic digits to ASCII, folds Arabic
    punctuation and quotes, lower-cases Latin and collapses white space.

    >>> normalize('أَحْمَد')
    'احمد'
    >>> normalize('مدرسة  إلى ١٢')
    'مدرسه الي 12'
    >>> normalize('“بوتين”؟')
    '"بوتين"?'
    """
    text = unicodedata.normalize("NFKC", text)
    text = _BIDI_MARKS.sub("", text)
    text = _DIACRITICS.sub("", text)
    text = text.translate(_CHAR_MAP).lower()
    return " ".join(text.split())


def tokenize(text: str) -> list[str]:
    """Normalised word tokens (letters and digits), punctuation dropped.

    >>> tokenize('وصل بوتين إلى قرغيزستان، في 12 أكتوبر.')
    ['وصل', 'بوتين', 'الي', 'قرغيزستان', 'في', '12', 'اكتوبر']
    """
    return [t for t in _WORD.findall(normalize(text).replace("_", " "))]


# After Larkey et al.'s "light10": only و is stripped as a lone prefix
# (ب, ل, ك, ف are too often part of a name: بوتين, بيشكيك, لافروف).
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "يا", "ه", "ي")


def light_stem(token: str) -> str:
    """Strip a leading و, a definite article with its particle, and common
    suffixes from a normalised token, keeping at least three letters.

    >>> light_stem('والمحكمه')
    'محكم'
    >>> light_stem('بوتين')
    'بوت'
    >>> light_stem('بيشكيك')
    'بيشكيك'
    """
    if not token or not ("\u0600" <= token[0] <= "\u06ff"):
        return token
    if token.startswith("و") and len(token) > 4:
        token = token[1:]
    for p in _ARTICLES:
        if token.startswith(p) and len(token) - len(p) >= 3:
            token = token[len(p):]
            break
    for s in _SUFFIXES:
        if token.endswith(s) and len(token) - len(s) >= 3:
            token = token[: -len(s)]
    return token


def skeleton(token: str) -> str:
    """Drop long vowels inside a word so spelling variants meet:
    قيرغيزستان and قرغيزستان, بيشكيك and بشكيك.

    >>> skeleton('قيرغيزستان') == skeleton('قرغيزستان')
    True
    >>> skeleton('بيشكيك') == skeleton('بشكيك')
    True
    """
    if len(token) <= 3:
        return token
    inner = re.sub("[اوي]", "", token[1:-1])
    return token[0] + inner + token[-1]


# Sentence ends: . ! ? ؟ ؛ … followed by space/quote/end.  The look-behind
# keeps decimals (2.5) and initials (U.S.) intact because they are not
# followed by white space.
_SENT_END = re.compile(r"(?<=[.!?؟؛…])[\"'”»)\]]*\s+")
_ABBREV = re.compile(r"(?:\b[A-Za-z]|\bMr|\bDr|\bMrs|\bSt|\bvs|\betc|\bNo|\bد|\bم|\bص|\bه)\.$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentences; returns (start, end) character spans whose
    slices are stripped of surrounding white space.

    Line breaks always end a sentence (scraped articles put one paragraph per
    line); inside a line we split after . ! ? ؟ ؛ … unless the dot ends a known
    abbreviation or a single initial.

    >>> t = 'زار بوتين قرغيزستان. هل سيعود؟ نعم في 2023.'
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['زار بوتين قرغيزستان.', 'هل سيعود؟', 'نعم في 2023.']
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        piece = line.group()
        start = 0
        for m in _SENT_END.finditer(piece):
            candidate = piece[start : m.start()]
            if _ABBREV.search(candidate.rstrip("\"'”»)]")):
                continue
            spans.append((base + start, base + m.start()))
            start = m.end()
        spans.append((base + start, base + len(piece)))
    out = []
    for s, e in spans:
        seg = text[s:e]
        ls = len(seg) - len(seg.lstrip())
        rs = len(seg.rstrip())
        if rs > ls:
            out.append((s + ls, s + rs))
    return out


_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[A-Za-z]")


def detect_language(text: str) -> str:
    """'ar' when Arabic letters dominate, 'en' for Latin script, else 'other'.

    >>> detect_language('لماذا تغيب بوتين؟'), detect_language('Why did Putin skip BRICS?')
    ('ar', 'en')
    """
    ar = len(_ARABIC_LETTER.findall(text))
    la = len(_LATIN_LETTER.findall(text))
    if ar == 0 and la == 0:
        return "other"
    letters = sum(ch.isalpha() for ch in text)
    if ar >= la and ar >= 0.3 * letters:
        return "ar"
    if la > ar and la >= 0.3 * letters:
        return "en"
    return "other"
