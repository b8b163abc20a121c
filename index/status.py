"""How the corpus folder compares with a built index: new, changed, missing
and skipped articles.  One calculation for `rag index status` and the chat's
Articles tab (they were two copies that could disagree)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .load import Article, Skipped, load_corpus
from .store import article_hashes


@dataclass(frozen=True)
class CorpusStatus:
    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    new: list[str] = field(default_factory=list)  # article ids not in the index
    changed: list[str] = field(default_factory=list)  # content changed since the build
    missing: list[str] = field(default_factory=list)  # indexed, no longer in the folder

    @property
    def stale(self) -> int:
        return len(self.new) + len(self.changed) + len(self.missing)

    def state(self, article_id: str) -> str:
        """'new', 'changed' or 'ok' for an article in the folder."""
        return "new" if article_id in self.new else "changed" if article_id in self.changed else "ok"


def corpus_status(corpus: Path, manifest: dict | None) -> CorpusStatus:
    """Compare the folder with ``manifest`` (None: nothing indexed).  Raises
    CorpusError when the folder is missing, IndexCorruptError (rebuild) when
    the manifest's article list is damaged."""
    articles, skipped = load_corpus(Path(corpus))
    before = article_hashes(manifest)
    now = {a.id: a.content_hash for a in articles}
    return CorpusStatus(
        articles=articles,
        skipped=skipped,
        new=sorted(set(now) - set(before)),
        changed=sorted(a for a in now if a in before and now[a] != before[a]),
        missing=sorted(set(before) - set(now)),
    )
