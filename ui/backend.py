"""What the chat shares between browser sessions, without Gradio: one Assistant
per LLM (all sharing the loaded index), the article cache and index builds
(the first one at launch).  The login check is in ui/auth.py."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from index.errors import (
    CorpusError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    ModelError,
    QuestionError,
    RagError,
)
from index.load import SUPPORTED
from rag.answer import Answer, Assistant
from rag.models import BUNDLED_LLM as BUNDLED
from rag.settings import Settings

from .articles import ArticleTexts
from .examples import DEMO, Examples
from rag.plural import count

from .i18n import t
from .render import esc

EXAMPLES = list(DEMO)  # the bundled demo's; another folder gets its own (ui/examples.py)
UPLOAD_TYPES = tuple(e for e in SUPPORTED if e != ".markdown")  # .md says it; the list stays short
def build_step(stage: str, done: int = 0, total: int = 0, lang: str = "ar") -> str:
    """A build's progress in Arabic, the count isolated left-to-right (a
    plain-text description: Unicode isolates, not <bdi>).

    >>> build_step("embed", 128, 1035) == 'حساب التضمينات: \u2066128/1035\u2069 مقطع'
    True
    """
    count = f": \u2066{done}/{total}\u2069 {t(lang, 'chunks_count')}" if total else ""
    return t(lang, f"stage_{stage}") + count


class ModelNotOffered(RagError):
    """A chat client asked for a model that is not in the settings list."""


def user_message(e: Exception, lang: str = "ar") -> str:
    """A short message for a chat client, by the error's kind: never the
    error's own text, which names server paths and URLs ("No index at
    /srv/…", "GGUF file /tmp/…/missing.gguf does not exist.").  The details
    go to the server log; the CLI (the trusted operator) prints them as they are.

    >>> from index.errors import IndexMissingError
    >>> user_message(IndexMissingError("No index at /srv/idx. Run `rag index build --index /srv/idx`."), "en")
    'There is no index of the articles yet.\\nOr open the Articles tab and press “Rebuild the index”.'
    """
    if isinstance(e, ModelNotOffered):  # never echo the client's path: it would probe the server's files
        return t(lang, "model_not_offered")
    if isinstance(e, QuestionError) and e.code == QuestionError.EMPTY:
        return t(lang, "empty_q")
    print(f"error shown to a client as a short message: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
    for kind, key in _ERROR_KEYS:
        if isinstance(e, kind):
            msg = t(lang, key)
            return msg + "\n" + t(lang, "or_rebuild") if key.startswith("err_index") else msg
    return t(lang, "err_other")


_ERROR_KEYS = ((IndexMissingError, "err_index_missing"), (IndexCorruptError, "err_index_corrupt"),
               (IndexMismatchError, "err_index_mismatch"), (ModelError, "err_model"),
               (QuestionError, "err_question"), (CorpusError, "err_corpus"))


def for_client(answer: Answer) -> Answer:
    """The answer without its notices' details (an LLM's path or URL, a
    server error's text): the notice's code says it in the reader's language;
    the details go to the server log.  A missing --llm-model sent API clients
    "GGUF file /tmp/…/missing.gguf does not exist."."""
    import dataclasses

    if not any(n.detail for n in answer.notices):
        return answer
    for n in answer.notices:
        if n.detail:
            print(f"notice {n.code.value}: {n.detail}", file=sys.stderr, flush=True)
    return dataclasses.replace(answer, notices=[dataclasses.replace(n, detail="") for n in answer.notices])


INTERNAL_ERROR = t("ar", "internal_error")


def internal_error(e: BaseException, lang: str = "ar") -> str:
    """Log an unexpected error with its traceback on the server; the client
    gets a short message (no exception text, no server path)."""
    import traceback

    print("internal error while answering:\n" + "".join(traceback.format_exception(e)), file=sys.stderr, flush=True)
    return t(lang, "internal_error")


class Backend:
    """State shared by every browser session: one Assistant per LLM (sharing the
    index), the article cache and the build lock."""

    def __init__(self, settings: Settings):
        from rag.generators import pin_generator

        self.settings = settings
        self.articles = ArticleTexts(settings.corpus)
        self._assistants: dict[str, Assistant] = {}
        self._lock = threading.Lock()
        self.default_model = settings.llm_model or BUNDLED
        s = self._settings_for(self.default_model)
        pin_generator(s.llm_model, s.llm_url, s.llm_ctx, s.llm_threads)  # the default stays loaded
        self.assistant()  # the default one; loads the index lazily
        # refreshed at start-up (launch) and after a build
        self.examples = Examples(settings, self.assistant, self.manifest)

    def _settings_for(self, key: str) -> Settings:
        return self.settings.replace(llm_model="" if key == BUNDLED else key)

    def assistant(self, model: str | None = None) -> Assistant:
        """The Assistant for one of the offered models.  Clients choose among
        the settings list only (each spelling of a path loaded another copy of
        the model: four requests took the server from 795 to 2,393 MB), and
        besides the default at most one other model stays loaded: choosing
        another frees the previous one (rag/generators.py's cache; three offered
        GGUFs chosen in turn grew a server 606 -> 1,006 -> 1,407 MB before)."""
        key = self._spec((model or "").strip())
        with self._lock:
            if key in self._assistants:
                return self._assistants[key]
            for other in [k for k in self._assistants if k != self.default_model]:
                del self._assistants[other]  # its model is freed when the next one loads
            store = None
            if self._assistants:  # share the loaded index between models
                try:
                    store = next(iter(self._assistants.values())).retriever.store
                except RagError:
                    store = None
            a = Assistant(self._settings_for(key), store=store)
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

    def _spec(self, model: str) -> str:
        """The model a client's choice names: its name in the settings list (or,
        as before, the offered path itself); anything else is refused alike."""
        if not model or model in (self.default_model, BUNDLED):
            return model or self.default_model
        offered = self._offered()
        if model in offered:
            return offered[model]
        if model in offered.values():
            return model
        raise ModelNotOffered(f"model not offered: {model[:80]!r}")

    def _offered(self) -> dict[str, str]:
        """Offered model name -> what loads it (a name, or a path on this server)."""
        if offered := getattr(self, "_offered_cache", None):
            return offered
        self._offered_cache = {name: spec for name, spec in self._choices()}
        return self._offered_cache

    def _choices(self) -> list[tuple[str, str]]:
        from rag.models import LOCAL, list_models

        choices = [(BUNDLED, BUNDLED)]
        try:
            rows = list_models()
        except Exception:  # listing must never break the page
            rows = []
        for r in rows:
            if r.kind == "llm" and r.name != BUNDLED and r.state == LOCAL:
                choices.append((Path(r.name).name if "/" in r.name else r.name, r.name))
        if self.default_model not in [v for _, v in choices]:
            choices.append((Path(self.default_model).name, self.default_model))
        seen: set[str] = set()
        return [(n, v) for n, v in choices if not (n in seen or seen.add(n))]

    @property
    def default_choice(self) -> str:
        """The default model's name in the settings list."""
        return next(n for n, v in self._choices() if v == self.default_model)

    def model_choices(self) -> list[tuple[str, str]]:
        """(label, value) for the settings list: both the model's name, never a
        server path (the page and the API show them to every client)."""
        return [(n, n) for n in self._offered()]

    def info_html(self, lang: str = "ar") -> str:
        m = self.manifest()
        s = self.settings
        # a name, never a server path or URL: every client sees this header
        llm = f"{s.llm_model or 'LLM'} (server)" if s.llm_url else self.default_choice
        if s.mode == "auto" and not s.llm_url and not s.llm_model:  # the bundled base model does not answer
            llm_html = f'<bdi dir="ltr">{esc(llm)}</bdi> {t(lang, "info_base")}'
        else:
            llm_html = f'<bdi dir="ltr">{esc(llm)}</bdi>'
        if m is None:
            idx = f'<span class="rag-status-bad">{t(lang, "info_no_index")}</span>'
        else:
            c = m.get("counts", {})
            idx = (t(lang, "info_counts", articles=count(lang, c.get("articles", "?"), "article"),
                     chunks=count(lang, c.get("chunks", "?"), "chunk"))
                   + f' <bdi dir="ltr">{esc(m["embedder"]["id"])}</bdi>')
        return (f'<div class="rag-info"><span>{t(lang, "info_index")} {idx}</span>'
                f'<span>{t(lang, "info_llm")} {llm_html}</span></div>')

    def rebuild(self, progress=None):
        from rag.stores import build_store

        report = build_store(self.settings, progress=progress)
        self.reload_all()
        self.examples.refresh()  # made from the articles now in the index, each checked again
        return report


def ensure_index(settings: Settings) -> None:
    """Build the index from the corpus when there is none (first run of `rag chat`)."""
    from rag.stores import build_store, open_store

    try:
        open_store(settings)
        return
    except IndexMissingError:
        pass
    from index.build import Stage, fraction

    print(f"No index at {settings.index}; building it from {settings.corpus} ...", file=sys.stderr, flush=True)

    def show(stage: Stage, done: int, total: int) -> None:
        count = f" {done}/{total}" if total else ""
        print(f"  [{fraction(stage, done, total):4.0%}] {stage.value}{count}", file=sys.stderr, flush=True)

    report = build_store(settings, progress=show, show_bar=sys.stderr.isatty())
    print(report.summary(), file=sys.stderr, flush=True)
