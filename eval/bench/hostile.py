"""The slowest article files of each kind found by the attack of issue 24,
made here from nothing (tests/test_read_limits.py uses them too), and what
reading them costs: wall time and the child's peak RSS, for the README's
Security table.

    python -m eval.bench.hostile [--out DIR]
"""

from __future__ import annotations

import json
import time
import zipfile
import zlib
from pathlib import Path


def heavy_pdf(path: Path, pages: int = 500, ops: int = 3000) -> Path:
    """A PDF whose pages all draw one shared content stream of ``ops`` text
    runs: 0.4 s of pdfminer per page, 500 pages, about 75 KB."""
    body = b"".join(b"BT /F1 1 Tf %d %d Td (x) Tj ET\n" % (i % 500, i % 700) for i in range(ops))
    stream = zlib.compress(body, 9)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
            + b"] /Count %d >>" % pages,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
             b"/Resources << /Font << /F1 3 0 R >> >> >>"] * pages
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
       '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def many_runs_docx(path: Path, runs: int = 300_000) -> Path:
    """A Word file of one paragraph in ``runs`` runs (about 60 KB zipped)."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><w:document {ns}><w:body><w:p>'
           + "<w:r><w:t>كلمة </w:t></w:r>" * runs + "</w:p></w:body></w:document>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", doc)
    return path


def deep_html(path: Path, depth: int = 1_000_000) -> Path:
    """HTML nested ``depth`` elements deep (6 MB)."""
    path.write_text("<html><body>" + "<div>" * depth + "نص المقال هنا في العمق" + "</div>" * depth
                    + "</body></html>", encoding="utf-8")
    return path


def one_line_jsonl(path: Path, mb: int = 17) -> Path:
    """One JSONL record whose text is ``mb`` MB of Arabic words on one line."""
    words = "كلمة عربية في سطر واحد طويل جدا "
    text = words * (mb * 1_000_000 // len(words.encode("utf-8")))
    path.write_text(json.dumps({"id": "1", "title": "سطر طويل", "text": text}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


KINDS = {"pdf": (heavy_pdf, "heavy.pdf"), "docx": (many_runs_docx, "runs.docx"), "html": (deep_html, "deep.html"),
         "jsonl": (one_line_jsonl, "line.jsonl")}


def measure(folder: Path) -> list[dict]:
    """Each file read twice the way a rebuild reads it (index/load.py): the
    first read's time and the child's peak RSS, the main process' RSS growth,
    and the second read's time (remembered or cached)."""
    import resource

    from index import reader
    from index.load import LoadProblem, load_file

    rows = []
    for kind, (make, name) in KINDS.items():
        path = make(folder / name)
        reader.stop()  # a fresh child: its peak is this file's
        main0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        times, outcome, first_peak = [], "", None
        for _ in range(2):
            reader.last_peak_mb = 0
            t0 = time.perf_counter()
            try:
                arts, _ = load_file(path, name)
                outcome = f"read: {len(arts)} article(s), {sum(len(a.text) for a in arts):,} characters"
            except LoadProblem as e:
                outcome = f"skipped: {e}"
            times.append(time.perf_counter() - t0)
            if first_peak is None:
                first_peak = reader.last_peak_mb
        rows.append({"kind": kind, "file": name, "bytes": path.stat().st_size, "first_s": round(times[0], 1),
                     "again_s": round(times[1], 2), "child_peak_mb": first_peak,
                     "main_growth_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - main0) / 1024),
                     "outcome": outcome})
    return rows


if __name__ == "__main__":
    import argparse
    import tempfile

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ.setdefault("RAG_HOME", str(Path(tmp) / "home"))
        for row in measure(args.out or Path(tmp)):
            print(json.dumps(row, ensure_ascii=False))
