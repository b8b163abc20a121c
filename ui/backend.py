"""What the chat shares between browser sessions, without Gradio: one Assistant
per LLM (all sharing the loaded index), the article cache, index builds, and
the launch checks (first-run index build, password when not on loopback)."""

from __future__ import annotations

import ipaddress
import os
import sys
import threading
from pathlib import Path

from index.errors import IndexMissingError, RagError
from rag.answer import Assistant
from rag.settings import Settings

from .articles import ArticleTexts
from .render import esc

BUNDLED = "gemma3-270m"
EXAMPLES = [
    "لماذا تغيب بوتين عن قمة بريكس؟",
    "متى زار بوتين قرغيزستان؟",
    "من سيرافق بوتين في زيارته إلى كوريا الشمالية؟",
    "Why did Putin skip the BRICS summit?",
]
UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".jsonl")
_BUILD_STEPS = {"reading articles": "قراءة المقالات", "writing index": "كتابة الفهرس", "done": "تم"}


def build_step(msg: str) -> str:
    if msg.startswith("embedding"):  # "embedding 128/1035 chunks"
        return "حساب التضمينات: " + msg.split(" ")[1] + " مقطع"
    return _BUILD_STEPS.get(msg, msg)


def user_message(e: Exception) -> str:
    """A RagError's own message (it says what to do), with the UI's way to fix it."""
    msg = str(e)
    if isinstance(e, IndexMissingError):
        msg += "\nأو افتح تبويب «المقالات» واضغط «إعادة بناء الفهرس»."
    return msg


class Backend:
    """State shared by every browser session: one Assistant per LLM (sharing the
    index), the article cache and the build lock."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.articles = ArticleTexts(settings.corpus)
        self._assistants: dict[str, Assistant] = {}
        self._lock = threading.Lock()
        self.default_model = settings.llm_model or BUNDLED
        self.assistant()  # the default one; loads the index lazily

    def assistant(self, model: str | None = None) -> Assistant:
        key = (model or self.default_model).strip() or BUNDLED
        with self._lock:
            if key in self._assistants:
                return self._assistants[key]
            store = None
            if self._assistants:  # share the loaded index between models
                try:
                    store = next(iter(self._assistants.values())).retriever.store
                except RagError:
                    store = None
            spec = "" if key == BUNDLED else key
            a = Assistant(self.settings.replace(llm_model=spec), store=store)
            self._assistants[key] = a
            return a

    def manifest(self) -> dict | None:
        try:
            return self.assistant().retriever.store.manifest
        except RagError:
            return None

    def reload_all(self) -> None:
        with self._lock:
            assistants = list(self._assistants.values())
        store = None
        for a in assistants:  # one load, shared; answers in flight finish on the old index
            store = a.reload(store)
        self.articles.clear()

    def model_choices(self) -> list[tuple[str, str]]:
        from rag.models import list_models

        choices = [(f"{BUNDLED} (مدمج)", BUNDLED)]
        try:
            rows = list_models()
        except Exception:  # listing must never break the page
            rows = []
        for name, kind, status, _note in rows:
            if kind == "llm" and name != BUNDLED and status.startswith("local"):
                choices.append((Path(name).name if "/" in name else name, name))
        if self.default_model not in [v for _, v in choices]:
            choices.append((Path(self.default_model).name, self.default_model))
        return choices

    def info_html(self) -> str:
        m = self.manifest()
        s = self.settings
        llm = f"{s.llm_url} ({s.llm_model or 'server'})" if s.llm_url else self.default_model
        if s.mode == "auto" and not s.llm_url and not s.llm_model:  # the bundled base model does not answer
            llm_html = (f'<bdi dir="ltr">{esc(llm)}</bdi> (نموذج أساسي: الإجابات جمل من المقالات بعد التحقق، '
                        'دون توليد)')
        else:
            llm_html = f'<bdi dir="ltr">{esc(llm)}</bdi>'
        if m is None:
            idx = '<span class="rag-status-bad">لا يوجد فهرس — ابنِه من تبويب «المقالات»</span>'
        else:
            c = m.get("counts", {})
            idx = (f'{c.get("articles", "?")} مقالات · {c.get("chunks", "?")} مقطعاً · '
                   f'التضمين <bdi dir="ltr">{esc(m["embedder"]["id"])}</bdi>')
        return (f'<div class="rag-info"><span>الفهرس: {idx}</span>'
                f'<span>النموذج اللغوي: {llm_html}</span></div>')

    def rebuild(self, progress=None):
        from index.build import build_index
        from index.chunk import ChunkConfig

        s = self.settings
        report = build_index(
            s.corpus, s.index, embedder=s.build_embedder(),
            chunk_cfg=ChunkConfig(size=s.chunk_size, overlap=s.chunk_overlap, unit=s.chunk_unit),
            index_type=s.index_type, analyzer=s.analyzer, progress=progress,
        )
        self.reload_all()
        return report


def ensure_index(settings: Settings) -> None:
    """Build the index from the corpus when there is none (first run of `rag chat`)."""
    from index.store import IndexStore

    try:
        IndexStore.load(settings.index)
        return
    except IndexMissingError:
        pass
    from index.build import build_index
    from index.chunk import ChunkConfig

    print(f"No index at {settings.index}; building it from {settings.corpus} ...", file=sys.stderr, flush=True)

    def show(msg: str, frac: float) -> None:
        print(f"  [{frac:4.0%}] {msg}", file=sys.stderr, flush=True)

    report = build_index(
        settings.corpus, settings.index, embedder=settings.build_embedder(),
        chunk_cfg=ChunkConfig(size=settings.chunk_size, overlap=settings.chunk_overlap, unit=settings.chunk_unit),
        index_type=settings.index_type, analyzer=settings.analyzer, progress=show, show_bar=sys.stderr.isatty(),
    )
    print(report.summary(), file=sys.stderr, flush=True)


def auth_from_env(settings: Settings):
    user, password = os.environ.get("RAG_CHAT_USER", ""), os.environ.get("RAG_CHAT_PASSWORD", "")
    if bool(user) != bool(password):
        raise RagError("Set both RAG_CHAT_USER and RAG_CHAT_PASSWORD for a password-protected chat, or neither.")
    host = settings.host
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not user and not loopback:
        raise RagError(
            f"The chat would listen on {host}, reachable from other machines, without a password (anyone could "
            "read your articles and upload files). Set RAG_CHAT_USER and RAG_CHAT_PASSWORD, or use --host 127.0.0.1."
        )
    return (user, password) if user else None
