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


class ModelNotOffered(RagError):
    """A chat client asked for a model that is not in the settings list."""


def user_message(e: Exception) -> str:
    """A RagError's own message (it says what to do), with the UI's way to fix it."""
    if isinstance(e, ModelNotOffered):  # never echo the client's path: it would probe the server's files
        return "هذا النموذج غير متاح على هذا الخادم؛ اختر نموذجاً من القائمة في الإعدادات."
    msg = str(e)
    if isinstance(e, IndexMissingError):
        msg += "\nأو افتح تبويب «المقالات» واضغط «إعادة بناء الفهرس»."
    return msg


INTERNAL_ERROR = "حدث خطأ داخلي أثناء الإجابة؛ سُجّلت التفاصيل في سجل الخادم. جرّب سؤالاً آخر أو أعد المحاولة."


def internal_error(e: BaseException) -> str:
    """Log an unexpected error with its traceback on the server; the client
    gets a short Arabic message (no exception text, no server path)."""
    import traceback

    print("internal error while answering:\n" + "".join(traceback.format_exception(e)), file=sys.stderr, flush=True)
    return INTERNAL_ERROR


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
        """The Assistant for one of the offered models.  Clients choose among
        the settings list only (each spelling of a path loaded another copy of
        the model: four requests took the server from 795 to 2,393 MB), and
        besides the default at most one other model stays loaded."""
        key = (model or self.default_model).strip() or BUNDLED
        if key not in (self.default_model, BUNDLED) and key not in self._offered():
            raise ModelNotOffered(f"model not offered: {key[:80]!r}")
        with self._lock:
            if key in self._assistants:
                return self._assistants[key]
            for other in [k for k in self._assistants if k not in (self.default_model, BUNDLED)]:
                del self._assistants[other]  # freed once the answers in flight on it finish
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

    def _offered(self) -> set[str]:
        if key_set := getattr(self, "_offered_cache", None):
            return key_set
        self._offered_cache = {v for _, v in self.model_choices()}
        return self._offered_cache

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
        from rag.stores import build_store

        report = build_store(self.settings, progress=progress)
        self.reload_all()
        return report


def ensure_index(settings: Settings) -> None:
    """Build the index from the corpus when there is none (first run of `rag chat`)."""
    from rag.stores import build_store, open_store

    try:
        open_store(settings)
        return
    except IndexMissingError:
        pass

    print(f"No index at {settings.index}; building it from {settings.corpus} ...", file=sys.stderr, flush=True)

    def show(msg: str, frac: float) -> None:
        print(f"  [{frac:4.0%}] {msg}", file=sys.stderr, flush=True)

    report = build_store(settings, progress=show, show_bar=sys.stderr.isatty())
    print(report.summary(), file=sys.stderr, flush=True)


def auth_from_env(settings: Settings, share: bool = False):
    """The chat's login check, or None on loopback without credentials.  A
    non-loopback host or a public share link requires credentials."""
    user, password = os.environ.get("RAG_CHAT_USER", ""), os.environ.get("RAG_CHAT_PASSWORD", "")
    if bool(user) != bool(password):
        raise RagError("Set both RAG_CHAT_USER and RAG_CHAT_PASSWORD for a password-protected chat, or neither.")
    host = settings.host
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not user and share:
        raise RagError(
            "--share publishes the chat on a public link: set RAG_CHAT_USER and RAG_CHAT_PASSWORD first (anyone "
            "with the link could read your articles and upload files).")
    if not user and not loopback:
        raise RagError(
            f"The chat would listen on {host}, reachable from other machines, without a password (anyone could "
            "read your articles and upload files). Set RAG_CHAT_USER and RAG_CHAT_PASSWORD, or use --host 127.0.0.1."
        )
    return LoginCheck(user, password) if user else None


class LoginCheck:
    """Gradio's ``auth`` callable: one user, compared in constant time, with
    repeated failures locked out for a while (30 wrong passwords in 0.22 s
    were accepted before; now after ``MAX_FAILURES`` failures within
    ``WINDOW_S`` every attempt, right or wrong, is refused until the window
    has passed) and logged to the server's stderr."""

    MAX_FAILURES = 5
    WINDOW_S = 60.0

    def __init__(self, user: str, password: str, clock=None):
        import time

        self._user, self._password = user.encode(), password.encode()
        self._clock = clock or time.monotonic
        self._failures: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, username: str, password: str) -> bool:
        import hmac

        now = self._clock()
        with self._lock:
            self._failures = [t for t in self._failures if now - t < self.WINDOW_S]
            if len(self._failures) >= self.MAX_FAILURES:
                print(f"login refused: locked after {len(self._failures)} failed attempts in "
                      f"{self.WINDOW_S:.0f} s", file=sys.stderr, flush=True)
                return False
            ok = hmac.compare_digest(str(username).encode(), self._user) & hmac.compare_digest(
                str(password).encode(), self._password)
            if not ok:
                self._failures.append(now)
                print(f"login failed for user {str(username)[:40]!r} ({len(self._failures)} in the last "
                      f"{self.WINDOW_S:.0f} s)", file=sys.stderr, flush=True)
            return ok
