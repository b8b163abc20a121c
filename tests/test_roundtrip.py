"""Every dev article through real producers and back (eval/roundtrip.py):
one right-to-left HTML page printed to PDF by Chromium and LibreOffice,
converted to DOCX by LibreOffice and written by python-docx, read by
index/documents.py.  What comes out is the source: every number in its
order, the harakat as written, at least 99.5 % of the characters (after
whitespace normalisation; eval/README.md has the table).

About a minute on this machine: one document per producer, not one per article.
"""

import os
from pathlib import Path

import pytest

from conftest import CHROMIUM
from eval import roundtrip
from eval.dev_articles import dev_articles

ARTS = dev_articles()
KHALDUN = next(a for a in ARTS if a.title == "ابن خلدون")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, str]:
    from index import documents

    if not Path(CHROMIUM).exists() and os.environ.get("RAG_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} not found and RAG_REQUIRE_BROWSER=1 (apt-get install chromium)")
    out = tmp_path_factory.mktemp("roundtrip")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(documents, "_cache_dir", lambda: out / "doc-cache")
        mp.setattr(documents, "_CACHE", type(documents._CACHE)())
        return {name: documents.read_document(path).body for name, path in roundtrip.documents(out, ARTS).items()}


FORMATS = ["Chromium PDF", "LibreOffice PDF", "LibreOffice DOCX", "python-docx DOCX"]


@pytest.mark.slow
@pytest.mark.parametrize("name", FORMATS)
def test_every_dev_article_comes_back_as_written(extracted, name):
    if name not in extracted:
        pytest.skip(f"{name}: its producer is not installed (chromium, libreoffice-writer-nogui)")
    results = roundtrip.compare(ARTS, extracted[name])
    assert [r.title for r in results if not r.found] == []  # every title on its own line
    assert [r.title for r in results if not r.digits_same] == []  # every number, in its order
    overall, _, _ = roundtrip.summary(results)
    assert overall >= 0.995, f"{name}: {overall:.4%}"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Chromium PDF", "LibreOffice PDF"])
def test_the_reported_ranges_and_shadda_are_kept(extracted, name):
    """From the issue: «(1332 - 1406م)» had come out «(1406 - 1332م)», «(784-808هـ)»
    «(808-784هـ)», «تُوُفِّيَ» «تُوُفيَ»."""
    if name not in extracted:
        pytest.skip(f"{name}: its producer is not installed")
    text = roundtrip.normalise(extracted[name])
    for words in ("ابن خلدون", "(1332 - 1406م)", "(784-808هـ)", "تُوُفِّيَ"):
        assert roundtrip.normalise(words) in text, words


def test_agreement_counts_characters_and_digit_order():
    src = KHALDUN.paragraphs[0]
    swapped = src.replace("1332 - 1406", "1406 - 1332")
    (same,) = roundtrip.compare([KHALDUN], f"{KHALDUN.title}\n" + "\n".join(KHALDUN.paragraphs))
    (other,) = roundtrip.compare([KHALDUN], f"{KHALDUN.title}\n{swapped}\n" + "\n".join(KHALDUN.paragraphs[1:]))
    assert same.ratio == 1 and same.digits_same
    assert 0.99 < other.ratio < 1 and not other.digits_same
    (lost,) = roundtrip.compare([KHALDUN], "عنوان آخر\n" + src)
    assert not lost.found and lost.ratio == 0
