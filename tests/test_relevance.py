"""Relevance of answer sentences on the real bundled index: other names of a
thing (rag/synonyms.py), sentence-level answerability, typed answers."""

import pytest

from index.lexical import analyze
from index.store import IndexStore
from rag.abstain import NO_TYPED_SENTENCE, answerability
from rag.answer import Assistant
from rag.extractive import candidates
from rag.kinds import exact_date_near, has_type
from rag.query import analyse_query
from rag.relevance import relevance
from rag.retrieve import Retriever
from rag.settings import load_settings
from rag.synonyms import GROUPS, alternatives


@pytest.fixture(scope="module")
def store(built_index):
    return IndexStore.load(built_index)


def ask(store, q, history=None):
    # These tests pin the hand rules (rag/abstain.py, rag/kinds.py …), which the
    # learned selector now takes as features: they are asked on the rules path.
    settings = load_settings(env={}).replace(mode="extractive", selector="rules")
    return Assistant(settings, store=store).ask(q, history=history)


def test_every_group_has_distinct_analysed_names():
    """A name that analyses to nothing (only stopwords) or to another member's
    terms would make a group match everything or itself."""
    for group in GROUPS:
        forms = [frozenset(analyze(p)) for p in group]
        assert all(forms), group
        assert len(set(forms)) >= 2, group


def test_english_question_reaches_arabic_text_through_known_names(store):
    """BM25 alone shares no word between an English question and Arabic
    articles; the names it knows (Putin, North Korea) bridge them."""
    res = Retriever(store, mode="bm25").search("When will Putin visit North Korea?", k=3)
    assert res.hits and "كوريا الشمالية" in res.hits[0].chunk.text


def test_a_name_used_by_the_articles_is_not_expanded(store):
    lex = store.lexical
    terms = analyze("لماذا غاب بوتين عن قمة بريكس؟", lex.analyzer)
    alt = alternatives(terms, lex.analyzer)
    assert alt.pairs  # بوتين, بريكس, قمة have other names ...
    assert not set(alt.words(lex.known(terms))) & {"putin", "brics", "summit"}  # ... not needed here


def test_sentence_naming_the_thing_another_way_counts_as_naming_it():
    q = analyse_query("ما أول بلد سافر إليه سيد الكرملين؟")
    sentence = "وصل بوتين إلى قيرغيزستان في أول رحلة خارجية له."
    plain = relevance(q, sentence, bag=set(analyze(sentence)))
    augmented = relevance(q, sentence, bag=set(q.alts.augment(analyze(sentence))))
    assert augmented.focus > plain.focus + 0.2


def test_answerability_is_measured_on_the_best_sentence(store):
    """The answer of «أين عُقدت قمة بريكس…» sits in a sentence carrying most
    of the question's words even when the top passages as a whole do not."""
    q = "أين عُقدت قمة بريكس التي غاب عنها بوتين؟"
    ans = ask(store, q)
    assert not ans.abstained and ("جنوب أفريقيا" in ans.text or "جنوب إفريقيا" in ans.text)
    r = Retriever(store)
    ret = r.search(q)
    qa = analyse_query(q, store.lexical.analyzer)
    cands = candidates(qa, ret.hits, r.embedder, store.lexical.idf)
    assert answerability(qa, cands, ret.hits) == ans.confidence


def test_a_year_is_not_an_amount(store):
    assert not has_type("منذ الغزو في شباط/فبراير 2022", "number")
    ans = ask(store, "ما قيمة اتفاق الشراكة الاستراتيجية بين روسيا وكوريا الشمالية بالدولار؟")
    assert ans.abstained and ans.why_abstained == NO_TYPED_SENTENCE


def test_when_question_gets_the_named_day_next_to_its_subject(store):
    q = analyse_query("متى يزور بوتين كوريا الشمالية؟")
    assert exact_date_near(q, "يزور الرئيس بوتين كوريا الشمالية الثلاثاء والأربعاء")
    ans = ask(store, "متى يزور بوتين كوريا الشمالية؟")
    assert not ans.abstained and "الثلاثاء" in ans.text


def test_occasion_named_with_a_clitic_is_mentioned(store):
    """«المناسبة» is in the articles as «بمناسبة»: the question is not refused
    as asking about something no article mentions."""
    ans = ask(store, "ما المناسبة التي حضرها بوتين في بكين عند زيارته الأخيرة للصين؟")
    assert not ans.abstained and "الألعاب الأولمبية" in ans.text


def test_which_city_needs_a_city(store):
    """A country is no answer to «في أي مدينة…»; a named city is."""
    ans = ask(store, "في أي مدينة عُقدت قمة مجموعة العشرين التي غاب عنها بوتين؟")
    assert ans.abstained and ans.why_abstained == NO_TYPED_SENTENCE
    ans = ask(store, "في أي مدينة تقع القاعدة الجوية الروسية التي سيزورها بوتين في قيرغيزستان؟")
    assert not ans.abstained and "كانت" in ans.text


def test_follow_up_is_answered_from_its_own_words_not_the_previous_question(store):
    """The carried-over words («سيرافق بوتين زيارته كوريا الشمالية») weigh less
    than the user's own («الاتفاق سيوقعه»): the answer is not the previous one."""
    q = analyse_query("وما الاتفاق الذي سيوقعه هناك؟ (سيرافق بوتين زيارته كوريا الشمالية)",
                      asked="وما الاتفاق الذي سيوقعه هناك؟")
    assert "سيرافق" in q.carried and "اتفاق" not in q.carried and "هناك" not in q.terms
    ans = ask(store, "وما الاتفاق الذي سيوقعه هناك؟", history=[("من سيرافق بوتين في زيارته إلى كوريا الشمالية؟", "")])
    assert ans.query != ans.question and "شراكة استراتيجية" in ans.text
    assert "لافروف" not in ans.text.split("[")[0]


def test_how_long_needs_a_length_of_time():
    from rag.kinds import asks_duration

    q = analyse_query("كم تستغرق زيارة بوتين إلى بشكيك؟")
    assert q.duration and asks_duration("How long was Putin's visit to Bishkek?")
    assert not relevance(q, "سيزور بوتين قاعدة جوية في بشكيك في الذكرى العشرين لافتتاحها.").kind_ok
    assert relevance(q, "بعد زيارة تستغرق يومين إلى بيشكيك.").kind_ok


def test_a_named_date_beats_a_relative_one_only_in_an_equally_close_sentence(store):
    follow = ask(store, "ومتى كانت الزيارة؟", history=[("من سيرافق بوتين في زيارته إلى كوريا الشمالية؟", "")])
    assert "الثلاثاء" in follow.text
    relative = ask(store, "متى استقبل بوتين الزعيم الكوري الشمالي في الشرق الأقصى الروسي؟")
    assert "تسعة أشهر" in relative.text


def test_a_place_no_article_names_is_not_mentioned(store):
    """«…في سوريا؟»: no article names Syria under any of its names, so a
    sentence about a Russian base elsewhere is no answer."""
    from rag.abstain import NOT_MENTIONED

    ans = ask(store, "ما اسم القاعدة البحرية الروسية في سوريا؟")
    assert ans.abstained and ans.why_abstained == NOT_MENTIONED
    assert not ask(store, "ما اسم القاعدة الجوية الروسية في قرغيزستان؟").why_abstained == NOT_MENTIONED
