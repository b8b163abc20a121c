"""PDF and Word articles, from real producers: Chromium prints Arabic pages to
PDF (one column over several pages with a running header and footer, two
columns, an image-only "scan"), python-docx writes Word files.  The checks are
on what the retriever sees: the chunks of a real index.

Chromium is Debian's /usr/bin/chromium; without it the PDF tests skip, unless
RAG_REQUIRE_BROWSER=1 makes that a failure.
"""

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ARTICLES, CHROMIUM, ROOT
from index.arabic import normalize
from index.load import LoadProblem, Skip, load_corpus, load_file
from index.rtl import logical_line, reversed_score


SOFFICE = shutil.which("soffice")
HEADER = "صحيفة الواحة الإخبارية — عدد تجريبي"
FOOTER_WORD = "صفحة"  # the footer is «صفحة N من M»
PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
KYRGYZ = ARTICLES / "002_2be46929c08f2fa9.txt"
ENGLISH = [
    "Russian President Vladimir Putin arrived in Kyrgyzstan on his first trip abroad since the International "
    "Criminal Court issued a warrant for his arrest over the alleged deportation of children.",
    "The two-day visit to Bishkek culminates in a summit of the Commonwealth of Independent States, an "
    "intergovernmental organisation of former Soviet republics, amid claims of waning Russian influence.",
    "Putin is also expected to travel to China next week for the third Belt and Road Forum in Beijing, his first "
    "visit to a major power since the war began in February 2022.",
]
MIXED = [  # Latin, digits, brackets, guillemets, harakat and an English line inside an Arabic article
    "زار الرئيس مدينة New York يوم 12 أكتوبر/تشرين الأول 2023 (في زيارة رسمية)، وقال: «لا تراجع عن القرار».",
    "نادراً ما يُغادر الرئيس بلاده، وقد كلّفت الرحلة 3.5 مليون دولار و٪20 من ميزانية المراسم.",
    "The agency quoted the statement with the words الكلمة العربية inside it.",
]
ROME = "ولم تصادق قرغيزستان على اتفاقية روما، التي ترغم الدول الأعضاء على الالتزام بقرارات المحكمة الجنائية الدولية."


@pytest.fixture(autouse=True)
def _private_text_cache(tmp_path, monkeypatch):
    """In-process reads cache their texts in this test's folder (the CLI and chat
    subprocesses use the real one)."""
    from index import documents, reader

    monkeypatch.setattr(documents, "_cache_dir", lambda: tmp_path / "doc-cache")
    monkeypatch.setattr(reader, "_cache_dir", lambda: tmp_path / "doc-cache")  # remembered failures
    monkeypatch.setattr(documents, "_CACHE", type(documents._CACHE)())


def _paragraphs(path: Path, min_words: int = 8) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if len(ln.split()) >= min_words]


def _norm(text: str) -> str:
    return " ".join(normalize(text).split())


def _html(title: str, paras: list[str], style: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>body{{font-size:14pt}} {style}</style></head><body><h1>{title}</h1>{body}</body></html>")


def _print(html: str, out: Path) -> Path:
    page = out.with_suffix(".html")
    page.write_text(html, encoding="utf-8")
    profile = out.parent / f"chromium-{out.stem}"
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={out}",
                        page.as_uri()], capture_output=True, text=True, timeout=180)
    assert out.exists() and out.stat().st_size > 0, r.stderr[-2000:]
    shutil.rmtree(profile, ignore_errors=True)
    return out


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("RAG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} not found and RAG_REQUIRE_BROWSER=1 (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium); set RAG_REQUIRE_BROWSER=1 to fail instead")
    from PIL import Image, ImageDraw

    d = tmp_path_factory.mktemp("pdfs")
    long_paras = MIXED + _paragraphs(KYRGYZ) + _paragraphs(ARTICLES / "003_0bae4047a3b78741.txt")
    running = ('@page { margin: 2.5cm 2cm; @top-center { content: "%s"; font-size: 10pt }'
               ' @bottom-center { content: "صفحة " counter(page) " من " counter(pages); font-size: 10pt } }' % HEADER)
    two_cols = ".cols { column-count: 2; text-align: justify }"  # the default gap, 1em: not much wider than a space
    cols_html = _html("بوتين في بيشكيك", []).replace(
        "</h1>", "</h1><div class='cols'>" + "".join(f"<p>{p}</p>" for p in _paragraphs(KYRGYZ)) + "</div>")
    scan = d / "scan.png"
    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    for i in range(20):
        draw.text((100, 100 + 70 * i), f"SCANNED PAGE, LINE {i}: no text layer here", fill="black")
    img.save(scan)
    en_html = ("<html lang='en'><head><meta charset='utf-8'><style>body{font-size:12pt;text-align:justify}"
               ".cols{column-count:3}</style></head><body><h1>Putin in Bishkek</h1><div class='cols'>"
               + "".join(f"<p>{p}</p>" for p in ENGLISH * 3) + "</div></body></html>")
    return {
        "english": _print(en_html, d / "english.pdf"),
        "long": _print(_html("بوتين يزور قرغيزستان", long_paras, running), d / "long.pdf"),
        "columns": _print(cols_html.replace("</style>", two_cols + "</style>"), d / "columns.pdf"),
        "scan": _print(f'<html><body style="margin:0"><img src="{scan.as_uri()}" style="width:100%"></body></html>',
                       d / "scan.pdf"),
    }


def _docx(path: Path, title: str, paras: list[str], table: list[list[str]], header: str, footer: str) -> Path:
    import docx

    doc = docx.Document()
    doc.add_heading(title, level=1)
    for p in paras:
        doc.add_paragraph(p)
    t = doc.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, cell in enumerate(row):
            t.cell(r, c).text = cell
    doc.sections[0].header.paragraphs[0].text = header
    doc.sections[0].footer.paragraphs[0].text = footer
    doc.save(str(path))
    return path


@pytest.fixture(scope="module")
def docxs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("docx")
    return {
        "ar": _docx(d / "arabic.docx", "بوتين يزور كوريا الشمالية", _paragraphs(ARTICLES / "004_75f26f0d2f0326b4.txt"),
                    [["البلد", "العاصمة"], ["قرغيزستان", "بيشكيك"], ["كوريا الشمالية", "بيونغ يانغ"]],
                    "ترويسة داخلية لا تُفهرس", "تذييل داخلي لا يُفهرس"),
        "en": _docx(d / "english.docx", "Putin visits Kyrgyzstan",
                    ["Russian President Vladimir Putin arrived in Kyrgyzstan on his first trip abroad since the "
                     "International Criminal Court issued a warrant for his arrest.",
                     "The two-day visit to Bishkek culminates in a summit of the Commonwealth of Independent States."],
                    [["City", "Country"], ["Bishkek", "Kyrgyzstan"]], "Internal header", "Internal footer"),
    }


# Fonts change what a PDF holds: line spacing (1.2 to 2.1 font sizes), where
# harakat sit, the glyph boxes pdfminer guesses.  Noto comes with fonts-noto-core
# (installed with chromium by .ci/run); a missing one falls back to the default.
FONTS = ["", "Noto Naskh Arabic", "Noto Sans Arabic", "Noto Kufi Arabic"]


@pytest.mark.parametrize("font", FONTS, ids=["default", "naskh", "sans", "kufi"])
def test_arabic_pdf_comes_out_in_logical_order_with_normal_letters(pdfs, font, tmp_path):
    path = pdfs["long"]
    if font:
        path = _print(path.with_suffix(".html").read_text(encoding="utf-8").replace(
            "body{font-size:14pt}", f"body{{font-size:14pt; font-family: '{font}'}}"), tmp_path / "font.pdf")
    (art,), bad = load_file(path, "long.pdf")
    assert not bad and art.title == "بوتين يزور قرغيزستان"
    assert not PRESENTATION.search(art.text), "presentation forms left in the text"
    text = _norm(art.text)
    for p in _paragraphs(KYRGYZ):  # whole paragraphs: no word glued, split, reversed or out of place
        assert _norm(p) in text, p
    for line in [ROME, *MIXED]:  # and verbatim: punctuation, numbers, Latin, harakat on their letters
        assert line in art.text.split("\n"), line
    # Over several pages, the running header and the page-number footer are gone.
    assert _norm(HEADER) not in text and not re.search(r"صفحه \d+ من \d+", text)


def test_two_column_pdf_reads_each_column_to_its_end(pdfs):
    (art,), _ = load_file(pdfs["columns"], "columns.pdf")
    text = _norm(art.text)
    places = [text.find(_norm(p)) for p in _paragraphs(KYRGYZ)]
    assert -1 not in places, "a paragraph was interleaved with the other column"
    assert places == sorted(places), "columns read out of order"


def test_english_three_justified_columns(pdfs):
    from index.documents import pdf_text

    title, body = pdf_text(pdfs["english"])  # before cleaning, which drops repeated paragraphs
    assert title == "Putin in Bishkek"
    assert body.split("\n") == [title, *ENGLISH * 3]  # each paragraph whole, in order, nothing glued or split


def test_scanned_pdf_is_skipped_with_a_reason_that_says_so(pdfs, tmp_path):
    shutil.copy(pdfs["scan"], tmp_path / "scan.pdf")
    arts, skipped = load_corpus(tmp_path)
    assert not arts and [(s.source, s.code) for s in skipped] == [("scan.pdf", Skip.NO_TEXT_LAYER)]
    assert "scanned" in skipped[0].reason and "OCR" in skipped[0].reason


def test_scanned_pages_inside_a_text_pdf_are_reported_not_lost_silently(pdfs, tmp_path):
    import pypdf

    mixed = pypdf.PdfWriter()
    mixed.append(str(pdfs["columns"]))
    mixed.append(str(pdfs["scan"]))
    mixed.append(str(pdfs["scan"]))
    mixed.write(tmp_path / "mixed.pdf")
    (art,), bad = load_file(tmp_path / "mixed.pdf", "mixed.pdf")
    assert _norm(ROME) in _norm(art.text)
    scan_pages = len(pypdf.PdfReader(pdfs["scan"]).pages)
    assert [(b.source, b.code) for b in bad] == [(f"mixed.pdf:pages 2-{1 + 2 * scan_pages}", Skip.NO_TEXT_LAYER)]


def test_docx_body_and_tables_without_page_header_and_footer(docxs):
    (ar,), _ = load_file(docxs["ar"], "arabic.docx")
    assert ar.title == "بوتين يزور كوريا الشمالية"
    assert "قرغيزستان | بيشكيك" in ar.text and "كوريا الشمالية | بيونغ يانغ" in ar.text
    assert "ترويسة داخلية" not in ar.text and "تذييل داخلي" not in ar.text
    for p in _paragraphs(ARTICLES / "004_75f26f0d2f0326b4.txt")[:5]:
        assert _norm(p) in _norm(ar.text)
    (en,), _ = load_file(docxs["en"], "english.docx")
    assert en.title == "Putin visits Kyrgyzstan" and "Bishkek | Kyrgyzstan" in en.text
    assert "Internal header" not in en.text and "Internal footer" not in en.text


def test_the_retriever_sees_pdf_and_docx_text(pdfs, docxs, tmp_path):
    from index.build import build_index
    from index.store import IndexStore

    corpus = tmp_path / "articles"
    corpus.mkdir()
    for name, src in [("long.pdf", pdfs["long"]), ("columns.pdf", pdfs["columns"]), ("scan.pdf", pdfs["scan"]),
                      ("arabic.docx", docxs["ar"]), ("english.docx", docxs["en"])]:
        shutil.copy(src, corpus / name)
    (corpus / "broken.pdf").write_bytes(pdfs["long"].read_bytes()[:5000])
    report = build_index(corpus, tmp_path / "idx")
    assert sorted(report.added) == ["arabic.docx", "columns.pdf", "english.docx", "long.pdf"]
    assert {s.source: s.code for s in report.skipped} == {"scan.pdf": Skip.NO_TEXT_LAYER, "broken.pdf": Skip.DAMAGED}
    chunks = IndexStore.load(tmp_path / "idx").chunks
    for source in ("long.pdf", "columns.pdf"):
        assert any(_norm(ROME) in _norm(c.text) for c in chunks if c.source == source), source
    assert any("كوريا الشمالية" in c.text and c.source == "arabic.docx" for c in chunks)
    assert not any(_norm(HEADER) in _norm(c.text) for c in chunks)
    assert not any(re.search(rf"{FOOTER_WORD} \d+ من \d+", c.text) for c in chunks)
    assert not any("ترويسة داخلية" in c.text or "Internal footer" in c.text for c in chunks)
    assert not any(PRESENTATION.search(c.text) for c in chunks)
    # "Show the surrounding text" finds a PDF passage in its article
    from ui.articles import ArticleTexts

    rome = next(c for c in chunks if c.source == "long.pdf" and _norm(ROME) in _norm(c.text))
    assert ROME in ArticleTexts(corpus)(rome)


def test_rag_index_build_and_search_on_pdf(pdfs, docxs, tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    shutil.copy(pdfs["long"], corpus / "تقرير.pdf")
    shutil.copy(pdfs["scan"], corpus / "scan.pdf")
    shutil.copy(docxs["en"], corpus / "english.docx")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    run = [sys.executable, "-m", "rag"]
    b = subprocess.run([*run, "index", "build", "--corpus", str(corpus), "--index", str(tmp_path / "idx")],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert b.returncode == 3, b.stderr  # built, with a skipped file
    assert "2 added" in b.stdout and "skipped: scan.pdf: a scanned PDF" in b.stdout
    s = subprocess.run([*run, "search", "هل صادقت قرغيزستان على اتفاقية روما؟", "--k", "3", "--index",
                        str(tmp_path / "idx")], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert s.returncode == 0 and "تقرير.pdf" in s.stdout and "اتفاقية روما" in s.stdout, s.stdout + s.stderr


def test_upload_accepts_pdf_and_docx_and_refuses_a_scan_in_arabic(pdfs, docxs, tmp_path):
    from ui.articles import UploadError, save_upload, sanitize_filename

    assert sanitize_filename("تقرير.PDF") == "تقرير.pdf" and sanitize_filename("a.DOCX") == "a.docx"
    corpus = tmp_path / "articles"
    assert save_upload(pdfs["long"], "تقرير.PDF", corpus).path == corpus / "تقرير.pdf"
    assert save_upload(docxs["ar"], "مقال.docx", corpus).path == corpus / "مقال.docx"
    with pytest.raises(UploadError) as e:
        save_upload(pdfs["scan"], "مسح.pdf", corpus)
    assert "ممسوح ضوئياً" in str(e.value) and "OCR" in str(e.value)  # says why, in Arabic
    assert sorted(p.name for p in corpus.iterdir()) == ["تقرير.pdf", "مقال.docx"]  # nothing half-saved


def _bad_docx_bomb(path: Path) -> Path:
    """A .docx whose document part unpacks to 300 MiB (it zips to 300 KiB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b" " * (1 << 20)
            for _ in range(300):
                f.write(block)
    return path


def _flate_bomb_pdf(path: Path, mib: int = 2560) -> Path:
    """A one-page PDF whose content stream inflates to 2.5 GiB (14 MB on disk)."""
    import zlib

    co = zlib.compressobj(1)
    block = b" " * (64 << 20)
    data = b"".join(co.compress(block) for _ in range(mib // 64)) + co.flush()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_hostile_and_damaged_files_are_skipped_with_a_reason(pdfs, tmp_path):
    import pypdf

    enc = pypdf.PdfWriter(clone_from=pdfs["columns"])
    enc.encrypt(user_password="secret", algorithm="AES-256")
    enc.write(tmp_path / "locked.pdf")
    many = pypdf.PdfWriter()
    for _ in range(501):
        many.add_blank_page(100, 100)
    many.write(tmp_path / "huge.pdf")
    (tmp_path / "cut.pdf").write_bytes(pdfs["columns"].read_bytes()[:3000])
    (tmp_path / "text.docx").write_text("not a zip", encoding="utf-8")
    (tmp_path / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (tmp_path / "empty.pdf").write_bytes(b"")
    _bad_docx_bomb(tmp_path / "bomb.docx")
    _flate_bomb_pdf(tmp_path / "bomb.pdf")
    arts, skipped = load_corpus(tmp_path)
    codes = {s.source: s.code for s in skipped}
    assert not arts and codes == {
        "locked.pdf": Skip.ENCRYPTED, "huge.pdf": Skip.TOO_MANY_PAGES, "cut.pdf": Skip.DAMAGED,
        "text.docx": Skip.DAMAGED, "old.docx": Skip.ENCRYPTED, "empty.pdf": Skip.EMPTY, "bomb.docx": Skip.TOO_COMPLEX,
        "bomb.pdf": Skip.TOO_COMPLEX,
    }
    assert all("Traceback" not in s.reason for s in skipped)


def test_visual_order_is_detected_by_the_letters_not_assumed():
    """The geometry says "reverse this line"; a producer that already stored the
    typed order keeps it, because its words then start with initial forms."""
    stored_visual = ".ﺎﻴﺳور ﻰﻟإ ﻦﻴﻴﻧاﺮﻛوأ لﺎﻔﻃﻷ"
    stored_logical = "ﻷﻃﻔﺎل أوﻛﺮاﻧﻴﻴﻦ إﻟﻰ روﺳﻴﺎ."
    assert reversed_score(stored_visual) > 0 > reversed_score(stored_logical)
    assert logical_line(stored_visual) == logical_line(stored_logical) == "لأطفال أوكرانيين إلى روسيا."
    # Without presentation forms, common words decide.
    assert logical_line("ايسور ىلإ رفاس") == "سافر إلى روسيا" and logical_line("سافر إلى روسيا") == "سافر إلى روسيا"


def test_a_file_that_reads_too_long_is_skipped_not_waited_for(pdfs, monkeypatch):
    from index import documents, reader

    monkeypatch.setattr(reader, "_limits", reader.ReadLimits(seconds=0.05, seconds_per_mb=0))  # the real child,
    with pytest.raises(LoadProblem) as e:  # killed at the limit
        documents.pdf_text(pdfs["long"])
    assert e.value.code == Skip.TOO_COMPLEX and "longer than" in str(e.value)


@pytest.mark.slow
def test_chat_upload_rebuild_and_answer_from_a_pdf(pdfs, docxs, tmp_path):
    """The real chat server: a PDF and a DOCX uploaded through its API are
    indexed by its rebuild and cited in its answers; a scan is refused in Arabic."""
    from gradio_client import Client, handle_file
    from test_ui_browser import FESTIVAL, Server

    srv = Server(tmp_path / "chat")
    srv.corpus.mkdir(parents=True)
    (srv.corpus / "festival.txt").write_text(FESTIVAL, encoding="utf-8")
    up = tmp_path / "up"
    up.mkdir()
    shutil.copy(pdfs["long"], up / "تقرير قرغيزستان.pdf")
    shutil.copy(pdfs["scan"], up / "scan.pdf")
    shutil.copy(docxs["ar"], up / "كوريا.docx")
    try:
        srv.start()
        client = Client(srv.url, verbose=False)
        files = [handle_file(str(up / n)) for n in ("تقرير قرغيزستان.pdf", "scan.pdf", "كوريا.docx")]
        msg, *_ = client.predict(files, api_name="/upload")
        assert msg.count("✓") == 2 and "✗" in msg and "ممسوح ضوئياً" in msg, msg
        summary, status, _ = client.predict(api_name="/rebuild")
        assert "أُضيف: \u2066تقرير قرغيزستان.pdf\u2069" in summary and "أُضيف: \u2066كوريا.docx\u2069" in summary, summary
        ans = client.predict("هل صادقت قرغيزستان على اتفاقية روما؟", "extractive", 3, "", [], api_name="/ask")
        assert any(c["source"] == "تقرير قرغيزستان.pdf" and "اتفاقية روما" in c["text"] for c in ans["citations"])
    finally:
        srv.stop()


def test_a_read_text_is_kept_on_disk_and_a_damaged_entry_ignored(pdfs, monkeypatch, tmp_path):
    from index import documents

    first = documents.read_document(pdfs["columns"])
    (entry,) = (tmp_path / "doc-cache").glob("pdf-*.json")
    monkeypatch.setattr(documents, "_CACHE", type(documents._CACHE)())
    from index import reader

    reader.stop()
    monkeypatch.setattr(reader.sys, "executable", "/nonexistent/python")  # no child can start now
    assert documents.read_document(pdfs["columns"]) == first  # from the disk
    entry.write_text("{ damaged", encoding="utf-8")
    monkeypatch.setattr(documents, "_CACHE", type(documents._CACHE)())
    with pytest.raises(OSError):  # not the damaged entry: it tried to read the file again
        documents.read_document(pdfs["columns"])


def test_one_unreadable_page_costs_that_page_not_the_file(pdfs, monkeypatch):
    """pdfminer tolerates most damage; when a page does raise (simulated on
    page 2 of a real 3-page PDF), the others are kept and the page reported."""
    import pdfplumber.page

    from index.documents import _read_pdf

    real = pdfplumber.page.Page.images
    monkeypatch.setattr(pdfplumber.page.Page, "images", property(
        lambda self: 1 / 0 if self.page_number == 2 else real.fget(self)))
    doc = _read_pdf(pdfs["long"])
    assert doc.damaged_pages == (2,) and _norm(MIXED[0]) in _norm(doc.body)


@pytest.fixture(scope="module")
def libreoffice_pdfs(pdfs, tmp_path_factory) -> dict[str, Path]:
    """LibreOffice, a second real producer: its PDFs hold plain letters (no
    presentation forms) in drawn order, and brackets as typed, not as drawn."""
    if not SOFFICE:
        pytest.skip("LibreOffice not found (apt-get install libreoffice-writer-nogui)")
    import docx
    from docx.oxml import OxmlElement

    d = tmp_path_factory.mktemp("libreoffice")
    doc = docx.Document()
    doc.add_heading("بوتين يزور قرغيزستان", level=1)
    for text in MIXED[:2] + _paragraphs(KYRGYZ) * 2:  # two pages and more
        para = doc.add_paragraph(text)
        para._p.get_or_add_pPr().append(OxmlElement("w:bidi"))  # a right-to-left paragraph, as Word writes one
        for run in para.runs:
            run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))
    doc.sections[0].header.paragraphs[0].text = HEADER
    doc.sections[0].footer.paragraphs[0].text = "تذييل المستند الداخلي"
    doc.save(str(d / "word.docx"))
    html = d / "page.html"
    shutil.copy(pdfs["long"].with_suffix(".html"), html)
    r = subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={(d / 'profile').as_uri()}",
                        "--convert-to", "pdf", "--outdir", str(d), str(d / "word.docx"), str(html)],
                       capture_output=True, text=True, timeout=300)
    assert (d / "word.pdf").exists() and (d / "page.pdf").exists(), r.stdout + r.stderr
    return {"word": d / "word.pdf", "html": d / "page.pdf"}


def test_libreoffice_pdfs_come_out_in_logical_order(libreoffice_pdfs):
    (word,), _ = load_file(libreoffice_pdfs["word"], "word.pdf")
    assert word.title == "بوتين يزور قرغيزستان" and not PRESENTATION.search(word.text)
    for p in [*MIXED[:2], *_paragraphs(KYRGYZ)]:
        assert _norm(p) in _norm(word.text), p
    assert "(في زيارة رسمية)" in word.text and "«لا تراجع عن القرار»" in word.text  # brackets as typed
    assert _norm(HEADER) not in _norm(word.text) and "تذييل المستند" not in word.text  # on every page: dropped
    (page,), _ = load_file(libreoffice_pdfs["html"], "page.pdf")
    for p in [*MIXED, *_paragraphs(KYRGYZ)]:
        assert _norm(p) in _norm(page.text), p
