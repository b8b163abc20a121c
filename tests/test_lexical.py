import pytest

from index.lexical import ANALYZERS, LexicalIndex, analyze

DOCS = [
    "وصل الرئيس إلى قيرغيزستان صباح الخميس",
    "زار الوفد العاصمة بيشكيك الأسبوع الماضي",
    "عقدت القمة في جنوب أفريقيا",
]


@pytest.mark.parametrize(
    "query, doc", [("قرغيزستان", 0), ("بشكيك", 1), ("إفريقيا", 2), ("والقمة", 2)],
)
def test_spelling_variants_match_only_with_the_skeleton(query, doc):
    lex = LexicalIndex.build(DOCS, "stem+skeleton")
    assert lex.top(query, 3)[0][0] == doc


def test_plain_stems_miss_long_vowel_variants():
    lex = LexicalIndex.build(DOCS, "stem")
    assert lex.top("قرغيزستان", 3) == []  # why stem+skeleton is the default


@pytest.mark.parametrize("name", list(ANALYZERS))
def test_every_analyzer_round_trips(tmp_path, name):
    lex = LexicalIndex.build(DOCS, name)
    lex.save(tmp_path / name)
    again = LexicalIndex.load(tmp_path / name, len(DOCS))
    assert again.analyzer == name and again.top("جنوب أفريقيا", 1)[0][0] == 2


def test_idf_weights_and_unknown_terms():
    lex = LexicalIndex.build(DOCS, "stem+skeleton")
    w = lex.idf(["قمه", "رييس", "منغوليا"])
    assert w["منغوليا"] == pytest.approx((w["قمه"] + w["رييس"]) / 2)


def test_question_words_are_not_terms():
    assert analyze("لماذا ومتى وأين كيف", "stem") == []
    assert analyze("", "ngram") == []
    with pytest.raises(ValueError, match="unknown analyzer"):
        analyze("x", "porter")


def test_empty_index_scores_nothing(tmp_path):
    lex = LexicalIndex.build([], "stem")
    assert lex.top("قمة", 5) == [] and len(lex.scores("قمة")) == 0
