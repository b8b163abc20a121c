"""The index backend the settings name, opened or built in one place, so
`rag` commands, the chat, the eval and the bench all use the same one
(``store = "faiss"`` by default; ``"milvus"`` with ``milvus_uri``)."""

from __future__ import annotations

from index.backend import Backend, Store

from .settings import Settings


def open_store(settings: Settings) -> Store:
    """The live index: FAISS files under ``settings.index`` or a Milvus alias.
    Raises IndexMissingError when none is built yet."""
    if settings.store == Backend.MILVUS:
        from index.milvus_store import MilvusStore

        return MilvusStore.open(settings.milvus_target(), settings.milvus_token, settings.milvus_collection)
    from index.store import IndexStore

    return IndexStore.load(settings.index)


def build_store(settings: Settings, full: bool = False, progress=None, show_bar: bool = False,
                follow_links: bool = False):
    """Build or update the configured index from ``settings.corpus``; a BuildReport."""
    common = dict(**settings.build_options(), full=full, progress=progress, show_bar=show_bar,
                  follow_links=follow_links)
    if settings.store == Backend.MILVUS:
        from index.milvus_build import build_milvus

        return build_milvus(settings.corpus, settings.milvus_target(), settings.milvus_token,
                            settings.milvus_collection, **common)
    from index.build import build_index

    return build_index(settings.corpus, settings.index, **common)
