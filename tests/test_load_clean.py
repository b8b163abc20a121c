import json
from pathlib import Path

import pytest
from conftest import ARTICLES

from index.arabic import normalize
from index.clean import clean_lines
from index.load import load_corpus


@pytest.fixture(scope="module")
def real_articles():
    arts, skipped = load_corpus(ARTICLES)
    assert not skipped
    return {a.id: a for a in arts}


def test_real_corpus_has_no_scraping_junk(real_articles):
    assert len(real_articles) == 5
    for a in real_articles.values():
        for line in a.text.split("\n"):
            assert "[ad_" not in line and "spot_img" not in line
            assert not line.rstrip().endswith(("...", "…")), line
            assert normalize(line) not in {"ذات صلة", "اظهار اخبار متعلقه", "المصدر", "جمع"}
            assert not line.startswith("التعليقات")
        lines = a.text.split("\n")
        assert len(lines) == len({normalize(x) for x in lines}), "a line is repeated verbatim"


def test_related_news_teasers_are_gone(real_articles):
    text = real_articles["000_a3e55f912d94aed4.txt"].text
    assert "مفاوضات غزة" not in text
    assert "القصف الإسرائيلي في بيروت" not in text
    assert "ما الذي يمنع إسرائيل وإيران" not in text
    assert "لم يحضر بوتين قمة مجموعة البريكس" in text


@pytest.mark.parametrize(
    "art_id, title",
    [
        ("000_a3e55f912d94aed4.txt", "بعد إصدار مذكرة جنائية دولية لتوقيفه.. تفاصيل أول زيارة خارجية لـ “بوتين”"),
        ("001_e0ceb109d2754a97.txt",
         "بوتين يقوم بزيارة نادرة إلى قيرغيزستان على الرغم من مذكرة الاعتقال التي أصدرتها المحكمة الجنائية الدولية"),
        ("003_0bae4047a3b78741.txt", "دلالات زيارة بوتين إلي قيرغيزستان"),
        ("004_75f26f0d2f0326b4.txt", "بوتين يزور كوريا الشمالية لتوقيع اتفاق شراكة استراتيجية.. مخاوف دولية واسعة"),
    ],
)
def test_titles_kept(real_articles, art_id, title):
    a = real_articles[art_id]
    assert a.title == title
    assert a.text.startswith(title)


def test_title_from_paragraph_is_shortened(real_articles):
    a = real_articles["002_2be46929c08f2fa9.txt"]
    assert a.title.startswith("يزور الرئيس الروسي فلاديمير بوتين قرغيزستان")
    assert len(a.title) < 120


def test_long_paragraph_ending_in_ellipsis_is_kept():
    para = " ".join(["كلمة"] * 40) + "..."
    assert clean_lines("عنوان المقال الطويل هنا\n" + para) == ["عنوان المقال الطويل هنا", para]


def test_bad_files_are_reported_and_skipped(tmp_path: Path):
    good = "عنوان الخبر هنا\nزار الرئيس البلاد اليوم في زيارة رسمية."
    (tmp_path / "good.txt").write_text(good, encoding="utf-8")
    (tmp_path / "bom.txt").write_bytes("\ufeff".encode() + good.encode())
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("   \n\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait est bon".encode("latin-1"))
    (tmp_path / "doc.odt").write_bytes(b"PK\x03\x04")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "junk.txt").write_text("[ad_1]\nspot_img\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(good, encoding="utf-8")
    arts, skipped = load_corpus(tmp_path)
    assert sorted(a.id for a in arts) == ["bom.txt", "good.txt"]
    assert arts[0].text == arts[1].text  # BOM stripped
    reasons = {s.source: s.reason for s in skipped}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.md"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"] and "0xe9" in reasons["latin1.txt"]
    assert "unsupported" in reasons["doc.odt"] and "damaged" in reasons["doc.pdf"]
    assert "no article text" in reasons["junk.txt"]


def test_links_pipes_and_a_file_as_corpus(tmp_path: Path):
    import os

    from index.errors import CorpusError

    (tmp_path / "good.txt").write_text("عنوان الخبر هنا\nزار الرئيس البلاد اليوم في زيارة رسمية.", encoding="utf-8")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "windows.txt").write_bytes("\ufeffخبر من ويندوز\nحفظه محرر نصوص بترميز UTF-16.".encode("utf-16-le"))
    arts, skipped = load_corpus(tmp_path)  # must not block on the pipe
    reasons = {s.source: s.reason for s in skipped}
    assert [a.id for a in arts] == ["good.txt", "windows.txt"] and arts[1].title == "خبر من ويندوز"
    assert "broken link" in reasons["dangling.txt"] and "regular file" in reasons["pipe.txt"]
    with pytest.raises(CorpusError, match="is a file"):
        load_corpus(tmp_path / "good.txt")


def test_links_out_of_the_corpus_are_skipped_unless_asked(tmp_path: Path):
    """The attack: a link to /etc/passwd (and to a folder outside) dropped in
    the corpus folder was indexed; a link to a file inside still works."""
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "good.txt").write_text("عنوان الخبر هنا\nزار الرئيس البلاد اليوم في زيارة رسمية.", encoding="utf-8")
    (outside / "secret.txt").write_text("سر\nهذا ملف خارج مجلد المقالات ولا يجوز فهرسته أبداً.", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "secret.txt").symlink_to(outside / "secret.txt")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    (corpus / "again.txt").symlink_to(corpus / "good.txt")  # inside: fine
    arts, skipped = load_corpus(corpus)
    reasons = {s.source: s.reason for s in skipped}
    assert sorted(a.id for a in arts) == ["again.txt", "good.txt"]
    assert "outside the corpus" in reasons["passwd.txt"] and "outside the corpus" in reasons["secret.txt"]
    assert "a link to a folder outside the corpus" in reasons["elsewhere"]  # was skipped silently
    assert not any("سر" == a.title for a in arts)
    arts, skipped = load_corpus(corpus, follow_links=True)
    assert {"secret.txt", "elsewhere/secret.txt"} <= {a.id for a in arts} and not skipped


def test_build_output_names_a_skipped_folder_link(tmp_path: Path):
    """`rag index build` said nothing about a link to a folder outside the corpus."""
    import subprocess
    import sys

    from conftest import ROOT

    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "good.txt").write_text("عنوان الخبر هنا\nزار الرئيس البلاد اليوم في زيارة رسمية.", encoding="utf-8")
    (outside / "secret.txt").write_text("سر\nهذا ملف خارج مجلد المقالات ولا يجوز فهرسته أبداً.", encoding="utf-8")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    r = subprocess.run([sys.executable, "-m", "rag", "index", "build", "--corpus", str(corpus), "--index",
                        str(tmp_path / "idx")], capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 3, r.stderr  # built, with files skipped
    assert "skipped: elsewhere: a link to a folder outside the corpus folder" in r.stdout + r.stderr


def test_html_markdown_and_jsonl(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.html").write_text(
        "<html><head><title>عنوان الصفحة</title><style>p{}</style></head><body><nav>الرئيسية</nav>"
        "<h1>بوتين يزور الصين</h1><p>وصل الرئيس الروسي إلى بكين صباح اليوم.</p>"
        "<script>var x = 1;</script><p>وسيلتقي نظيره الصيني.</p></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(
        "# قمة بريكس\n\n![صورة](x.png)\nعقدت **القمة** في [جنوب أفريقيا](http://x) هذا العام.\n", encoding="utf-8"
    )
    rows = [
        {"id": "n1", "title": "خبر أول", "text": "نص الخبر الأول الطويل بما يكفي.", "url": "http://e/1",
         "date": "2023-10-12"},
        "not json",
        {"title": "بلا نص"},
        {"id": "n1", "title": "مكرر", "text": "نص آخر طويل بما يكفي هنا."},
    ]
    (tmp_path / "c.jsonl").write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    arts, skipped = load_corpus(tmp_path)
    by_id = {a.id: a for a in arts}
    html = by_id["sub/a.html"]
    assert html.title == "بوتين يزور الصين"
    assert "var x" not in html.text and "p{}" not in html.text and "الرئيسية" not in html.text
    assert "وسيلتقي نظيره الصيني." in html.text
    md = by_id["b.md"]
    assert md.title == "قمة بريكس" and "عقدت القمة في جنوب أفريقيا هذا العام." in md.text
    assert "x.png" not in md.text
    j = by_id["c.jsonl#n1"]
    assert (j.title, j.url, j.date) == ("خبر أول", "http://e/1", "2023-10-12")
    reasons = {s.source: s.reason for s in skipped}
    assert "invalid JSON" in reasons["c.jsonl:2"]
    assert "text" in reasons["c.jsonl:3"]
    assert "duplicate id" in reasons["c.jsonl:4"]


def test_content_hash_changes_with_text(tmp_path: Path):
    p = tmp_path / "a.txt"
    p.write_text("عنوان الخبر هنا\nنص أول للخبر هنا.", encoding="utf-8")
    h1 = load_corpus(tmp_path)[0][0].content_hash
    p.write_text("عنوان الخبر هنا\nنص ثان للخبر هنا.", encoding="utf-8")
    assert load_corpus(tmp_path)[0][0].content_hash != h1


def test_long_urls_and_titles_are_capped_so_no_chunk_outgrows_its_budget(tmp_path):
    """A 200,000-character https://AAAA… in a <div> became one 200,020-character
    chunk; a 100,000-character JSONL title (or HTML <title>) became a
    100,000-character chunk, repeated in the title of every chunk."""
    import json

    from index.chunk import ChunkConfig, chunk_article
    from index.clean import MAX_TITLE_CHARS
    from index.load import load_corpus

    body = "<p>وصل الوفد إلى المدينة صباحاً وبدأت المحادثات.</p>"
    (tmp_path / "url.html").write_text("<html><body><h1>خبر</h1>" + body + "<div>https://"
                                       + "A" * 200_000 + "</div></body></html>", encoding="utf-8")
    (tmp_path / "title.html").write_text("<html><head><title>" + "عنوان طويل جدا " * 7_000 + "</title></head><body>"
                                         + body + "</body></html>", encoding="utf-8")
    (tmp_path / "t.jsonl").write_text(json.dumps({"id": 1, "title": "T" * 100_000, "text": "زار بوتين العاصمة اليوم."})
                                      + "\n" + json.dumps({"id": 2, "title": "كلمة " * 20_000,
                                                           "text": "زار بوتين العاصمة اليوم."}) + "\n",
                                      encoding="utf-8")
    arts, _ = load_corpus(tmp_path)
    assert len(arts) == 4
    cfg = ChunkConfig()
    for a in arts:
        assert len(a.title) <= MAX_TITLE_CHARS and "AAAAAAAA" not in a.text
        for c in chunk_article(a, cfg):
            assert len(c.text) <= cfg.size and len(c.title) <= MAX_TITLE_CHARS
