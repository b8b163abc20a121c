"""Example questions are the user's (issue 23 item 4): made from their own
articles with the real index and extractive answerer, each one answered by
the product, cached beside the index for the same generation; the demo's only
for the bundled articles; the settings' first."""

import json

from conftest import ARTICLES
from dev_articles import write_dev_articles

from rag.settings import Settings


def _backend(corpus, index, **kw):
    from ui.backend import Backend

    return Backend(Settings().replace(corpus=corpus, index=index, **kw))


def test_examples_come_from_the_users_articles_answered_and_cached(tmp_path):
    from index.build import build_index
    from ui.examples import CACHE_FILE, DEMO

    corpus, index = tmp_path / "mine", tmp_path / "idx"
    write_dev_articles(corpus)
    build_index(corpus, index)
    be = _backend(corpus, index)
    qs = be.examples.refresh()
    assert qs and not set(qs) & set(DEMO) and len(qs) == len(set(qs)) <= 4, qs
    for q in qs:  # each one is answered by the product itself, with a cited passage
        a = be.assistant().ask(q, mode="extractive")
        assert not a.abstained and a.citations, q
    cached = json.loads((index / CACHE_FILE).read_text(encoding="utf-8"))
    assert cached["questions"] == qs and cached["key"]

    # a restart on the same index asks nothing again
    again = _backend(corpus, index)
    again.assistant().ask = None  # asking would fail: the cache must answer
    assert again.examples.refresh() == qs

    # a rebuild after a change makes them again (a new generation)
    (corpus / "نجيب محفوظ.txt").unlink()
    build_index(corpus, index)
    fresh = _backend(corpus, index)
    assert fresh.examples.refresh() is not None
    assert json.loads((index / CACHE_FILE).read_text(encoding="utf-8"))["key"] != cached["key"]


def test_demo_examples_only_for_the_demo_and_the_settings_win(built_index, tmp_path):
    from ui.examples import DEMO

    assert _backend(ARTICLES, built_index).examples.refresh() == list(DEMO)
    own = ("ما عاصمة قرغيزستان؟", "من زار كوريا؟")
    assert _backend(ARTICLES, built_index, examples=own).examples.refresh() == list(own)
    # another folder without an index: no examples rather than the demo's
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("مقالة\n\nنص قصير عن شيء ما.\n", encoding="utf-8")
    assert _backend(tmp_path / "c", tmp_path / "none").examples.refresh() == []


def test_the_demo_plus_an_article_keeps_the_demo_questions_the_product_answers(tmp_path):
    """A user who adds an article to the demo folder keeps the demo's
    questions, each asked again first (a rebuild once left one chip, made
    from the new title, and the page's other example slots empty)."""
    import shutil

    from index.build import build_index
    from ui.examples import DEMO, is_demo

    corpus, index = tmp_path / "demo+1", tmp_path / "idx"
    shutil.copytree(ARTICLES, corpus)
    (corpus / "التمور.txt").write_text("مهرجان التمور\n\nيقام مهرجان التمور في الواحة الخضراء كل عام في شهر أكتوبر، "
                                       "ويعرض فيه المزارعون أنواع التمور.\n", encoding="utf-8")
    assert not is_demo(corpus) and is_demo(corpus, exact=False) and not is_demo(tmp_path, exact=False)
    build_index(corpus, index)
    be = _backend(corpus, index)
    qs = be.examples.refresh()
    assert qs and set(qs) <= set(DEMO) | {q for q in qs if "التمور" in q} and set(qs) & set(DEMO), qs
    for q in qs:
        a = be.assistant().ask(q, mode="extractive")
        assert not a.abstained and a.citations, q
