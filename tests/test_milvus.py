"""The Milvus backend on real Milvus Lite (no mock of pymilvus): embedded in
this process for a .db file, and as a server (`milvus-lite server`) on
loopback that several processes share, for the fault tests."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("pymilvus")

import index.milvus_build as mb  # noqa: E402
from eval.dataset import DEFAULT_DATASET, load_dataset  # noqa: E402
from index.backend import Store  # noqa: E402
from index.build import build_index  # noqa: E402
from index.errors import IndexMissingError, RagError  # noqa: E402
from index.milvus_client import connect, live_collection  # noqa: E402
from index.milvus_store import MilvusStore  # noqa: E402
from index.store import IndexStore  # noqa: E402
from rag.answer import Assistant  # noqa: E402
from rag.cli import main  # noqa: E402
from rag.retrieve import Retriever  # noqa: E402
from rag.settings import Settings  # noqa: E402

from conftest import ARTICLES, ROOT  # noqa: E402

BRICS = "لماذا تغيب بوتين عن قمة بريكس؟"
NEW = "# خبر جديد\nزار وفد روسي العاصمة المنغولية أولان باتور لبحث صفقة الغاز.\n"


def _ids(retrieval):
    return [h.chunk.id for h in retrieval.hits]


@pytest.fixture(scope="module")
def milvus_db(tmp_path_factory) -> Path:
    """The bundled corpus built into Milvus Lite with the `rag` CLI (read-only for tests)."""
    root = tmp_path_factory.mktemp("milvus")
    assert main(["index", "build", "--store", "milvus", "--index", str(root), "--corpus", str(ARTICLES)]) == 0
    return root / "milvus.db"


def test_milvus_store_ranks_exactly_like_faiss_on_the_eval_questions(milvus_db, built_index):
    faiss_store, milvus = IndexStore.load(built_index), MilvusStore.open(str(milvus_db))
    assert isinstance(milvus, Store) and isinstance(faiss_store, Store)
    assert milvus.embedder_id == faiss_store.embedder_id and len(milvus.chunks) == len(faiss_store.chunks)
    assert [c.id for c in milvus.chunks] == [c.id for c in faiss_store.chunks]
    assert milvus.manifest["articles"].keys() == faiss_store.manifest["articles"].keys()
    a = Retriever(faiss_store)
    b = Retriever(milvus, embedder=a.embedder)
    items = load_dataset(DEFAULT_DATASET)
    evidence_hits = {"faiss": 0, "milvus": 0}
    for it in items:
        ra, rb = a.search(it.question, 5), b.search(it.question, 5)
        assert _ids(ra) == _ids(rb), it.id
        assert ra.confidence == pytest.approx(rb.confidence, abs=1e-6), it.id
        for h, g in zip(ra.hits, rb.hits):
            assert h.lexical == pytest.approx(g.lexical, rel=1e-4) if h.lexical else g.lexical is None
        for name, r in (("faiss", ra), ("milvus", rb)):
            evidence_hits[name] += any(e in h.chunk.text for h in r.hits for e in it.evidence)
    assert evidence_hits["faiss"] == evidence_hits["milvus"] > 0.9 * sum(i.answerable for i in items)
    # the checker's IDF and `known` come from Milvus and equal bm25s'
    terms = ["بوتين", "بريكس", "~بريكس", "منغوليا"]
    assert milvus.lexical.known(terms) == faiss_store.lexical.known(terms)
    for t, v in faiss_store.lexical.idf(terms).items():
        assert milvus.lexical.idf(terms)[t] == pytest.approx(v)


def test_cli_search_and_status_on_milvus(milvus_db, capsys):
    root = str(milvus_db.parent)
    assert main(["search", BRICS, "--store", "milvus", "--index", root, "--json", "--k", "3"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3 and any("المحكمة الجنائية الدولية" in h["text"] for h in hits)
    assert main(["index", "status", "--store", "milvus", "--index", root, "--corpus", str(ARTICLES)]) == 0
    out = capsys.readouterr().out
    assert "milvus" in out and "up to date" in out
    assert main(["search", BRICS, "--store", "milvus", "--index", str(milvus_db.parent / "none")]) == 1
    assert "No index named 'arabic_rag'" in capsys.readouterr().err


def _spy(monkeypatch, calls: list, fail_on: int | None = None):
    real = mb.get_embedder

    def spy(name):
        emb = real(name)

        class Spy:
            id, dim = emb.id, emb.dim

            def embed_passages(self, texts, progress=False):
                calls.append(list(texts))
                if fail_on is not None and len(calls) >= fail_on:
                    raise RuntimeError("embedder died mid-build")
                return emb.embed_passages(texts)

        return Spy()

    monkeypatch.setattr(mb, "get_embedder", spy)


def test_incremental_build_reembeds_only_changed_articles_and_failures_keep_the_old_index(
        corpus, tmp_path, monkeypatch):
    uri = str(tmp_path / "m.db")
    first = mb.build_milvus(corpus, uri)
    assert first.full and len(first.added) == 5 and first.chunks_embedded == first.chunks_total
    client = connect(uri)
    v1 = live_collection(client, "arabic_rag")

    calls: list = []
    _spy(monkeypatch, calls)
    p = corpus / "002_2be46929c08f2fa9.txt"
    p.write_text(p.read_text(encoding="utf-8") + "\nوأضاف المتحدث أن الزيارة ستستمر يومين فقط.\n", encoding="utf-8")
    (corpus / "004_75f26f0d2f0326b4.txt").unlink()
    (corpus / "new.md").write_text(NEW, encoding="utf-8")
    rep = mb.build_milvus(corpus, uri)
    assert (rep.updated, rep.removed, rep.added, rep.unchanged) == (
        ["002_2be46929c08f2fa9.txt"], ["004_75f26f0d2f0326b4.txt"], ["new.md"], 3)
    store = MilvusStore.open(uri)
    assert store.collection != v1
    n_changed = sum(c.article_id in ("002_2be46929c08f2fa9.txt", "new.md") for c in store.chunks)
    assert rep.chunks_embedded == n_changed == sum(map(len, calls)) < rep.chunks_total == len(store.chunks)
    assert not any(c.article_id.startswith("004") for c in store.chunks)
    # the same as a full build into FAISS from the same folder: chunks, vectors, BM25
    build_index(corpus, tmp_path / "faiss")
    fresh = IndexStore.load(tmp_path / "faiss")
    assert [c.id for c in fresh.chunks] == [c.id for c in store.chunks]
    assert np.allclose(fresh.vectors(), store.vectors(), atol=1e-5)
    for q in (BRICS, "أولان باتور", "الزيارة ستستمر يومين"):
        assert [r for r, _ in store.lexical.top(q, 5)] == [r for r, _ in fresh.lexical.top(q, 5)]

    # A build that fails mid-way (the embedder dies on its second batch) leaves the old version live.
    monkeypatch.setattr(mb, "ARTICLE_BATCH", 1)
    calls.clear()
    _spy(monkeypatch, calls, fail_on=2)
    (corpus / "new.md").write_text(NEW + "\nخبر آخر عن الطاقة.\n", encoding="utf-8")
    (corpus / "other.md").write_text("# آخر\nافتتح متحف جديد في القاهرة.\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="embedder died"):
        mb.build_milvus(corpus, uri, full=True)
    assert live_collection(client, "arabic_rag") == store.collection
    assert {c.removesuffix("_aux") for c in client.list_collections()} == {store.collection, v1}
    assert "arabic_rag__lock" not in client.list_aliases()["aliases"]
    again = MilvusStore.open(uri)
    assert _ids(Retriever(again).search("أولان باتور", 3))[0] == _ids(Retriever(store).search("أولان باتور", 3))[0]
    # ... and the next build works (the lock was released)
    monkeypatch.undo()
    rep = mb.build_milvus(corpus, uri)
    assert rep.added == ["other.md"] and rep.updated == ["new.md"]
    assert {c.removesuffix("_aux") for c in client.list_collections()} == {
        live_collection(client, "arabic_rag"), store.collection}  # the live and the one before it


def test_settings_pick_the_backend(tmp_path):
    s = Settings(index=tmp_path, store="milvus")
    assert s.milvus_target() == str(tmp_path / "milvus.db")
    with pytest.raises(RagError, match="store must be faiss or milvus"):
        Settings(store="qdrant")
    from rag.stores import open_store

    with pytest.raises(IndexMissingError):
        open_store(s)
    with pytest.raises(RagError, match="neither a server URL"):
        open_store(Settings(store="milvus", milvus_uri=str(tmp_path / "x.sqlite")))


# ---------------------------------------------------------------- several processes on one Milvus server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def milvus_server(tmp_path):
    """A Milvus Lite server on loopback: the `http://` code path, shared by processes."""
    port = _free_port()
    log = (tmp_path / "milvus.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(tmp_path / "srv"),
                             "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("milvus-lite server did not start: " + (tmp_path / "milvus.log").read_text())
            time.sleep(0.2)
    yield SimpleNamespace(uri=uri, proc=proc)
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


BUILDER = """
import json, sys, time, pathlib
import index.milvus_build as mb
real = mb.get_embedder
def slow(name):  # embeds the first article (stored), then hangs on the second
    emb = real(name)
    class Slow:
        id, dim, calls = emb.id, emb.dim, 0
        def embed_passages(self, texts, progress=False):
            Slow.calls += 1
            if Slow.calls == 2:
                pathlib.Path(sys.argv[3]).write_text("embedding")
                time.sleep(120)
            return emb.embed_passages(texts)
    return Slow()
if sys.argv[4] == "slow":
    mb.get_embedder = slow
    mb.ARTICLE_BATCH = 1
rep = mb.build_milvus(pathlib.Path(sys.argv[1]), sys.argv[2], full=True)
print(json.dumps({"embedded": rep.chunks_embedded, "resumed": rep.chunks_resumed, "total": rep.chunks_total}))
"""


def _builder(corpus, uri, marker, mode):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-c", BUILDER, str(corpus), uri, str(marker), mode], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_shared_server_kill_9_mid_build_concurrent_build_and_replicas_follow_a_rebuild(
        milvus_server, corpus, tmp_path):
    uri = milvus_server.uri
    mb.build_milvus(corpus, uri)
    settings = Settings(index=tmp_path, corpus=corpus, store="milvus", milvus_uri=uri, mode="extractive")
    replica = Assistant(settings)  # a chat replica: it opens the index itself
    before = replica.retriever.store.collection
    answer = replica.ask(BRICS).text

    # kill -9 a build mid-way: the old version stays live and answering
    marker = tmp_path / "embedding"
    proc = _builder(corpus, uri, marker, "slow")
    deadline = time.monotonic() + 90
    while not marker.exists():
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.monotonic() < deadline, "the build never reached embedding"
        time.sleep(0.2)
    # a concurrent build is refused while that one holds the lock
    with pytest.raises(RagError, match="Another build"):
        mb.build_milvus(corpus, uri)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1.1)  # past the alias check's TTL
    assert replica.retriever.store.collection == before and replica.ask(BRICS).text == answer
    client = connect(uri)
    assert live_collection(client, "arabic_rag") == before

    # another process rebuilds (taking over the dead build's lock); the replica follows without a restart
    (corpus / "new.md").write_text(NEW, encoding="utf-8")
    proc = _builder(corpus, uri, marker, "fast")
    out = proc.communicate(timeout=300)[0].decode()
    assert proc.returncode == 0, out
    rep = json.loads(out.strip().splitlines()[-1])
    first = MilvusStore.open(uri).manifest["articles"][sorted(p.name for p in corpus.iterdir())[0]]["chunks"]
    # the killed build had stored the first article: resumed, not embedded again
    assert rep["resumed"] == first > 0 and rep["embedded"] == rep["total"] - first
    after = live_collection(client, "arabic_rag")
    assert after != before
    assert {c.removesuffix("_aux") for c in client.list_collections()} == {after, before}  # the killed one is gone
    time.sleep(1.1)
    assert replica.retriever.store.collection == after
    hits = replica.retriever.search("أولان باتور", 3).hits
    assert hits and hits[0].chunk.article_id == "new.md"


@pytest.mark.slow
def test_kill_9_of_the_process_that_embeds_milvus_lite_leaves_the_file_usable(corpus, tmp_path):
    uri = str(tmp_path / "lite.db")  # Milvus Lite runs inside the build process itself here
    marker = tmp_path / "embedding"
    proc = _builder(corpus, uri, marker, "fast")
    assert proc.wait(timeout=300) == 0, proc.stdout.read().decode()
    proc = _builder(corpus, uri, marker, "slow")
    deadline = time.monotonic() + 90
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read().decode()
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = MilvusStore.open(uri)
    assert any("المحكمة الجنائية الدولية" in h.chunk.text for h in Retriever(store).search(BRICS, 5).hits)
    rep = mb.build_milvus(corpus, uri)  # takes the dead build's lock over
    assert rep.unchanged == 5 and rep.chunks_embedded == 0


def test_scale_bench_stand_in_vectors_and_exact_truth():
    from eval.bench.scale import BATCH, exact_top, stand_in

    rng = np.random.default_rng(0)
    bases = rng.standard_normal((7, 16)).astype(np.float32)
    n = BATCH + 300  # crosses a batch boundary
    whole = stand_in(bases, 0, n, seed=3)
    assert np.allclose(np.linalg.norm(whole, axis=1), 1, atol=1e-5)
    # i depends on i only
    assert np.array_equal(stand_in(bases, BATCH - 5, BATCH + 5, seed=3), whole[BATCH - 5:BATCH + 5])
    assert not np.array_equal(stand_in(bases, 0, 10, seed=4), whole[:10])
    q = rng.standard_normal((3, 16)).astype(np.float32)
    brute = np.argsort(-(q @ whole.T), axis=1, kind="stable")[:, :10]
    assert np.array_equal(exact_top(bases, q, n, seed=3), brute)


@pytest.mark.slow
def test_scale_bench_runs_every_backend_small(tmp_path):
    from eval.bench.scale import BACKENDS, run_scale

    r = run_scale(tmp_path, [1500], Settings(), queries=12, bases_n=200)
    got = {x["backend"]: x for x in r["results"]}
    assert {b.split(" ")[0] for b in got} == set(BACKENDS) and not [x for x in got.values() if "error" in x], got
    assert got["faiss-flat"]["recall_at_10"] == 1.0 and got["milvus-flat"]["recall_at_10"] == 1.0
    assert all(0.5 < x["recall_at_10"] <= 1.0 and x["p50_ms"] > 0 and x["disk_mb"] > 0 for x in got.values())
    assert "| milvus-ivf nprobe=32 | 1,500 |" in (tmp_path / "scale.md").read_text(encoding="utf-8")
    assert (tmp_path / "scale.png").read_bytes()[:4] == b"\x89PNG"


def test_lexical_top_takes_text_or_analysed_terms(milvus_db, built_index):
    from index.lexical import analyze

    milvus, faiss_store = MilvusStore.open(str(milvus_db)), IndexStore.load(built_index)
    terms = analyze(BRICS, milvus.lexical.analyzer)
    assert milvus.lexical.top(terms, 5) == milvus.lexical.top(BRICS, 5)
    assert [r for r, _ in milvus.lexical.top(BRICS, 5)] == [r for r, _ in faiss_store.lexical.top(BRICS, 5)]
    assert milvus.lexical.top("كلمةلاتوجد", 5) == []


def test_an_index_built_with_another_embedder_is_refused_with_what_to_do(milvus_db):
    from index.errors import IndexMismatchError

    with pytest.raises(IndexMismatchError,
                       match=r"built with embedder 'use-m3'.*rag index build --full --store milvus"):
        MilvusStore.open(str(milvus_db), expect_embedder="sentence-transformers:other")
    assert MilvusStore.open(str(milvus_db), expect_embedder="use-m3").meta["embedder"] == {"id": "use-m3", "dim": 512}


@pytest.mark.slow
def test_a_server_that_goes_away_is_an_error_that_says_what_to_do(milvus_server, corpus, tmp_path):
    mb.build_milvus(corpus, milvus_server.uri)
    settings = Settings(index=tmp_path, corpus=corpus, store="milvus", milvus_uri=milvus_server.uri)
    assert main(["search", BRICS, "--store", "milvus", "--milvus-uri", milvus_server.uri]) == 0
    store = MilvusStore.open(milvus_server.uri)
    milvus_server.proc.terminate()
    milvus_server.proc.wait(timeout=30)
    time.sleep(1.1)
    assert not store.moved()  # a server that is away is not a new version
    with pytest.raises(RagError, match="Check that it is running"):
        Retriever(store).search(BRICS, 3)
    with pytest.raises(RagError, match="Check that it is running"):
        Assistant(settings).ask("سؤال عن قمة بريكس")


def test_a_damaged_milvus_lite_collection_is_an_error_and_the_next_build_repairs_it(milvus_db, corpus, tmp_path,
                                                                                   capsys):
    """With Milvus Lite's own manifest.json of the live collection overwritten,
    Milvus falls back to manifest.json.prev, where the collection is empty:
    `rag search` printed [] with exit 0 and `rag index status` said "up to
    date".  Now loading compares the collection with the product's manifest
    and says the index is damaged; the incremental build rebuilds it."""
    import shutil

    from index.errors import IndexCorruptError

    root = tmp_path / "index"
    shutil.copytree(milvus_db.parent, root, ignore=shutil.ignore_patterns("LOCK"))
    uri = str(root / "milvus.db")
    live = live_collection(connect(str(milvus_db)), "arabic_rag")
    (root / "milvus.db" / "collections" / live / "manifest.json").write_text("{garbage", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"damaged.*holds 0 chunks, its manifest says \d+.*rag index build"):
        MilvusStore.open(uri)
    args = ["--store", "milvus", "--index", str(root), "--corpus", str(corpus)]
    capsys.readouterr()
    assert main(["search", BRICS, *args]) == 1
    assert main(["index", "status", *args]) != 0
    assert "damaged" in capsys.readouterr().err
    rep = mb.build_milvus(corpus, uri)  # incremental, as `rag index build` runs it
    assert rep.full and rep.chunks_total > 0
    store = MilvusStore.open(uri)
    assert store.meta["generation"] == store.collection
    assert any("المحكمة الجنائية الدولية" in h.chunk.text for h in Retriever(store).search(BRICS, 5).hits)
