"""Connecting to Milvus and naming an index's collections (index/milvus_store.py
reads them, index/milvus_build.py writes them).  A ``.db`` path runs Milvus
Lite inside this process; ``http(s)://host:19530`` talks to a Milvus
standalone or cluster; the same calls either way."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from .errors import IndexCorruptError, RagError

FORMAT_VERSION = 1
DEFAULT_NAME = "arabic_rag"


def is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "unix:"))


def check_uri(uri: str) -> str:
    """A Milvus Lite file must end in .db (pymilvus' rule); a server is a URL.

    >>> check_uri("http://127.0.0.1:19530"), check_uri("data/index/milvus.db")
    ('http://127.0.0.1:19530', 'data/index/milvus.db')
    """
    if not uri:
        raise RagError("store = 'milvus' needs milvus_uri: a file ending in .db (Milvus Lite) or http://host:19530.")
    if not is_server(uri) and not uri.endswith(".db"):
        raise RagError(f"milvus_uri {uri!r} is neither a server URL (http://host:19530) nor a Milvus Lite file "
                       "ending in .db; name a file such as data/index/milvus.db.")
    return uri


_clients: dict[tuple[str, str], object] = {}
_clients_lock = threading.Lock()


def connect(uri: str, token: str = ""):
    """One client per (uri, token) and process; Milvus Lite serves one process per file."""
    from pymilvus import MilvusClient

    # pymilvus logs every failed RPC with a traceback before raising; the
    # expected ones (a held lock) and the rest reach the user as a RagError.
    logging.getLogger("pymilvus.decorators").setLevel(logging.CRITICAL)
    uri = check_uri(uri)
    key = (uri if is_server(uri) else str(Path(uri).resolve()), token)
    with _clients_lock:
        if key not in _clients:
            if not is_server(uri):
                Path(uri).resolve().parent.mkdir(parents=True, exist_ok=True)
            try:
                _clients[key] = Guarded(MilvusClient(uri=key[0], token=token or ""), uri)
            except Exception as e:
                hint = ("Milvus Lite opens a file in one process only: stop the other one, or serve the file "
                        f"(milvus-lite server --data-dir {uri} --port 19530) and use milvus_uri = "
                        "http://127.0.0.1:19530" if not is_server(uri) else
                        "Start the server, check the URL, and set milvus_token if it needs one")
                raise RagError(f"Cannot open Milvus at {uri} ({e}). {hint}.") from None
        return _clients[key]


class Guarded:
    """A MilvusClient whose failures are RagErrors saying what to do (the CLI
    prints them without a traceback; the chat shows its one-sentence error)."""

    def __init__(self, client, uri: str):
        self._client = client
        self._uri = uri

    def __getattr__(self, name: str):
        fn = getattr(self._client, name)
        if not callable(fn):
            return fn

        def call(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as e:
                raise RagError(f"Milvus at {self._uri} failed ({name}: {e}). Check that it is running and that "
                               "milvus_uri and milvus_token are right; the live index was not changed.") from e
        return call


def aux_name(collection: str) -> str:
    return collection + "_aux"


def live_collection(client, name: str) -> str | None:
    """The collection the alias points at, or None when there is no index yet."""
    if name not in client.list_aliases().get("aliases", []):  # describe_alias would log an error first
        return None
    try:
        return client.describe_alias(name)["collection_name"]
    except Exception:  # dropped in between
        return None


def ensure_loaded(client, collection: str) -> None:
    """Load a collection for search unless it is (Milvus Lite forgets on restart)."""
    from pymilvus.client.types import LoadState

    if client.get_load_state(collection).get("state") != LoadState.Loaded:
        client.load_collection(collection)


def read_manifest(client, collection: str, full: bool) -> dict:
    """The manifest of one version: "meta" only, or the whole one (with articles)."""
    aux = aux_name(collection)
    try:
        if not full:
            rows = client.get(aux, ids=["meta"], output_fields=["val"])
            return json.loads(rows[0]["val"])
        rows = client.query(aux, filter='key like "m:%"', output_fields=["key", "val"], limit=16384)
        return json.loads("".join(r["val"] for r in sorted(rows, key=lambda r: r["key"])))
    except Exception as e:
        raise IndexCorruptError(f"The manifest of Milvus collection {collection} cannot be read ({e}). Rebuild it: "
                                "rag index build --full --store milvus") from None
