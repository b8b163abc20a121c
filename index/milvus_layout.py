"""The collections of one index version in Milvus and the build lock: schemas,
the dense index, stale-version clean-up and the manifest/term table
(index/milvus_build.py uses them)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import zlib
from contextlib import contextmanager

from .errors import RagError
from .milvus_client import aux_name, ensure_loaded, live_collection

PIECE = 16000  # characters of manifest JSON per row (VARCHAR holds 65,535 bytes; Arabic is 2 bytes a character)
MAX_VARCHAR = 65535


def host_tag() -> str:
    return f"{zlib.crc32(socket.gethostname().encode()):08x}"


def schema(client, dim: int):
    from pymilvus import DataType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("row", DataType.INT64, is_primary=True)
    s.add_field("article_id", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("ekey", DataType.VARCHAR, max_length=64)  # hash of the embedded text: resuming a killed build
    s.add_field("chunk", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("tokens", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    return s


def aux_schema(client):
    from pymilvus import DataType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=MAX_VARCHAR)
    s.add_field("num", DataType.INT64)
    s.add_field("df", DataType.INT64)
    s.add_field("val", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
    return s


def dense_index(index_type: str, n: int) -> dict:
    """The Milvus index like index/store.py's FAISS one (HNSW M=32, ef 80; IVF nlist ~4 sqrt(n))."""
    if index_type == "hnsw":
        return {"index_type": "HNSW", "params": {"M": 32, "efConstruction": 80}}
    if index_type == "ivf":
        return {"index_type": "IVF_FLAT", "params": {"nlist": int(max(1, min(4 * n ** 0.5, n // 39)))}}
    return {"index_type": "FLAT", "params": {}}


@contextmanager
def build_lock(client, name: str, collection: str):
    lock = f"{name}__lock"
    for attempt in (0, 1):
        try:
            client.create_alias(collection, lock)
            break
        except Exception:
            held = live_collection(client, lock)
            host, pid = _holder(held or "")
            if attempt == 0 and held and host == host_tag() and not _alive(pid):
                client.drop_alias(lock)  # its build was killed: take the lock over
                continue
            raise RagError(f"Another build of Milvus index {name!r} is running ({held}); wait for it to finish. "
                           f"If none is (it ran on another machine and was killed), drop the alias {lock!r}.") from None
    try:
        yield
    finally:
        try:
            client.drop_alias(lock)
        except Exception:
            pass


def _holder(collection: str) -> tuple[str, int]:
    """(host tag, pid) of the build writing ``collection``.

    >>> _holder("news__g20261129001500_0a1b2c3d_4242_000123")
    ('0a1b2c3d', 4242)
    """
    parts = collection.rpartition("__g")[2].split("_")
    try:
        return parts[1], int(parts[2])
    except (IndexError, ValueError):
        return "", 0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop(client, collection: str) -> None:
    for c in (collection, aux_name(collection)):
        try:
            client.drop_collection(c)
        except Exception:
            pass


def ekey(text: str) -> str:
    """What identifies a vector: the embedded text (with the embedder, kept in the collection's description).

    >>> ekey("بريكس") == ekey("بريكس") != ekey("بريكس ")
    True
    """
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def interrupted(client, name: str, keep: set[str], embedder: str) -> list[str]:
    """Collections of builds that never published (killed) and embedded with ``embedder``:
    their vectors are reused, so a rerun does not embed again what they stored."""
    out = []
    for c in client.list_collections():
        if not c.startswith(f"{name}__g") or c.endswith("_aux") or c in keep:
            continue
        try:
            ensure_loaded(client, aux_name(c))
            building = client.get(aux_name(c), ids=["building"], output_fields=["val"])
            if building and json.loads(building[0]["val"]).get("embedder") == embedder:
                ensure_loaded(client, c)
                out.append(c)
        except Exception:  # unreadable leftovers are only dropped
            continue
    return out


def stored_vectors(client, collections: list[str], keys: list[str]) -> dict[str, list[float]]:
    """Vectors by ``ekey`` found in interrupted builds' collections."""
    found: dict[str, list[float]] = {}
    for c in collections:
        todo = [k for k in dict.fromkeys(keys) if k not in found]
        if not todo:
            break
        rows = client.query(c, filter=f"ekey in {json.dumps(todo)}", output_fields=["ekey", "vec"],
                            limit=min(16384, 4 * len(todo)))
        found.update((r["ekey"], r["vec"]) for r in rows)
    return found


def discard_stale(client, name: str, keep: set[str]) -> None:
    """Drop collections of builds that never published (crash, kill -9) and old versions."""
    for c in client.list_collections():
        base = c.removesuffix("_aux")
        if base.startswith(f"{name}__g") and base not in keep:
            drop(client, base)


def create_version(client, gen: str, dim: int, embedder: str) -> None:
    """The two collections of a new version; "building" in _aux names the embedder, so a
    rerun after a kill knows whose vectors it may reuse (Milvus Lite keeps no description)."""
    client.create_collection(gen, schema=schema(client, dim))
    params = client.prepare_index_params()
    params.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(aux_name(gen), schema=aux_schema(client), index_params=params)
    client.insert(aux_name(gen), [{"key": "building", "num": 0, "df": 0, "val": json.dumps({"embedder": embedder}),
                                   "v": [0.0, 0.0]}])


def write_aux(client, gen: str, manifest: dict, vocab: dict[str, int], df: list[int], articles, counts,
              skipped) -> None:
    aux = aux_name(gen)
    whole = {**manifest,
             "articles": {a.id: {"hash": a.content_hash, "source": a.source, "title": a.title, "chunks": counts[a.id]}
                          for a in articles},
             "skipped": [{"source": s.source, "reason": s.reason} for s in skipped]}
    text = json.dumps(whole, ensure_ascii=False)
    rows = [{"key": "meta", "num": 0, "df": 0, "val": json.dumps(manifest, ensure_ascii=False), "v": [0.0, 0.0]}]
    rows += [{"key": f"m:{i // PIECE:08d}", "num": 0, "df": 0, "val": text[i:i + PIECE], "v": [0.0, 0.0]}
             for i in range(0, len(text), PIECE)]
    rows += [{"key": "t:" + term, "num": tid, "df": df[tid], "val": "", "v": [0.0, 0.0]} for term, tid in vocab.items()]
    for i in range(0, len(rows), 2000):
        client.insert(aux, rows[i:i + 2000])
    client.flush(aux)
    client.load_collection(aux)
