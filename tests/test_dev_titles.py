"""Titles on articles nobody tuned for: the 77 dev articles (ARCD's Arabic
Wikipedia pages, eval/datasets/arcd), each written as a user keeps one — the
title on the first line («نجيب محفوظ», «مصر»), a blank line, the paragraphs —
and as Markdown and HTML.  The scraped-page clean-up made for the bundled pages
must keep every title and every paragraph of them."""

import pytest

from eval.dev_articles import dev_articles, write_corpus
from index.clean import clean_lines
from index.load import load_corpus, load_file

DEV = dev_articles()


def test_the_dev_set_is_the_whole_arcd_train_split():
    assert len(DEV) == 77 and len({a.title for a in DEV}) == 77
    assert sum(len(a.paragraphs) for a in DEV) == 231
    assert min(len(a.title.split()) for a in DEV) == 1  # «مصر»: a one-word title is a title


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("dev")
    write_corpus(folder)
    arts, skipped = load_corpus(folder)
    assert not skipped
    return {a.source: a for a in arts}


@pytest.mark.parametrize("art", DEV, ids=[a.file_name for a in DEV])
def test_txt_first_line_is_the_title_and_no_paragraph_is_lost(loaded, art):
    a = loaded[art.file_name]
    assert a.title == art.title
    assert a.text.split("\n") == [art.title, *art.paragraphs]  # every paragraph whole, in order


def test_scraped_page_rules_keep_every_dev_title_and_paragraph():
    """Even on a page that shows scraping (a CMS marker, a title repeated), the
    label rule drops a short first line only when a headline follows it."""
    for art in DEV:
        for page in (f"[ad_1]\n{art.text}", f"{art.title}\n{art.text}"):
            assert clean_lines(page) == [art.title, *art.paragraphs], art.title


def test_a_short_heading_in_a_written_file_is_kept(tmp_path):
    art = next(a for a in DEV if a.title == "نجيب محفوظ")
    text = "\n\n".join([art.title, art.paragraphs[0], "الجوائز", *art.paragraphs[1:]])
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (a,), _ = load_file(tmp_path / "a.txt", "a.txt")
    assert a.title == "نجيب محفوظ" and "الجوائز" in a.text.split("\n")


@pytest.mark.parametrize("kind", ["front_matter", "heading", "html_title", "html_h1"])
def test_markdown_and_html_titles(tmp_path, kind):
    art = next(a for a in DEV if a.title == "ابن خلدون")
    body = "\n\n".join(art.paragraphs)
    files = {
        "front_matter": ("a.md", f'---\ntitle: "{art.title}"\nlang: ar\n---\n\n{body}\n'),
        "heading": ("a.md", f"# {art.title}\n\n{body}\n"),
        "html_title": ("a.html", f"<html><head><title>{art.title}</title></head><body>"
                       + "".join(f"<p>{p}</p>" for p in art.paragraphs) + "</body></html>"),
        "html_h1": ("a.html", f"<html><head><title>موقع</title></head><body><h1>{art.title}</h1>"
                    + "".join(f"<p>{p}</p>" for p in art.paragraphs) + "</body></html>"),
    }
    name, text = files[kind]
    (tmp_path / name).write_text(text, encoding="utf-8")
    (a,), _ = load_file(tmp_path / name, name)
    assert a.title == art.title
    assert a.text.split("\n") == [art.title, *art.paragraphs]  # the front matter is no body text


def test_bundled_scraped_pages_still_lose_their_labels():
    from conftest import ARTICLES

    arts = {a.id: a for a in load_corpus(ARTICLES)[0]}
    assert not arts["004_75f26f0d2f0326b4.txt"].text.startswith("سياسة دولية")
    assert "جمع" not in arts["000_a3e55f912d94aed4.txt"].text.split("\n")
    assert "بوتين" not in arts["003_0bae4047a3b78741.txt"].text.split("\n")  # a tag below the title
