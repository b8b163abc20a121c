import pytest

from index.arabic import detect_language, light_stem, normalize, skeleton, split_sentences, tokenize


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("أَحْمَد", "احمد"),
        ("إسلام آمن ٱلله", "اسلام امن الله"),
        ("مدرسة", "مدرسه"),
        ("على", "علي"),
        ("مؤتمر", "موتمر"),
        ("رئيس", "رييس"),
        ("بـــوتين", "بوتين"),
        ("٢٠٢٣ و ۱۲", "2023 و 12"),
        ("سؤال؟", "سوال?"),
        ("«قمة»", '"قمه"'),
        ("Putin  VISITS", "putin visits"),
        ("\u200fبوتين\u200e", "بوتين"),
        ("", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_is_idempotent():
    s = "أصدرت المحكمة الجنائية الدولية في آذار/ مارس ٢٠٢٣ مذكرة توقيف"
    assert normalize(normalize(s)) == normalize(s)


@pytest.mark.parametrize(
    "a, b",
    [("قيرغيزستان", "قرغيزستان"), ("بيشكيك", "بشكيك"), ("أفريقيا", "إفريقيا")],
)
def test_spelling_variants_meet(a, b):
    assert skeleton(light_stem(normalize(a))) == skeleton(light_stem(normalize(b)))


@pytest.mark.parametrize(
    "token, stem",
    [("والمحكمه", "محكم"), ("بالصين", "صين"), ("الدوليه", "دول"), ("بوتين", "بوت"), ("بيشكيك", "بيشكيك"), ("في", "في"),
     ("2023", "2023")],
)
def test_light_stem(token, stem):
    assert light_stem(token) == stem


def test_tokenize_drops_punctuation():
    assert tokenize("قمة «بريكس»، في جنوب أفريقيا!") == ["قمه", "بريكس", "في", "جنوب", "افريقيا"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("جملة أولى. جملة ثانية؟ ثالثة!", ["جملة أولى.", "جملة ثانية؟", "ثالثة!"]),
        ("سطر أول\nسطر ثان", ["سطر أول", "سطر ثان"]),
        ("في عام 2023.5 زار", ["في عام 2023.5 زار"]),
        ("قال Mr. Smith إنه سيحضر. ثم غادر", ["قال Mr. Smith إنه سيحضر.", "ثم غادر"]),
        ("انتظر… ثم تكلم؛ وانتهى", ["انتظر…", "ثم تكلم؛", "وانتهى"]),
        ("زيارة “بوتين”. بعدها", ["زيارة “بوتين”.", "بعدها"]),
        ("   ", []),
    ],
)
def test_split_sentences(text, expected):
    assert [text[s:e] for s, e in split_sentences(text)] == expected


@pytest.mark.parametrize(
    "text, lang",
    [("لماذا تغيب بوتين؟", "ar"), ("Why did Putin skip BRICS?", "en"), ("12345 ?!", "other"), ("Путин", "other")],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang
