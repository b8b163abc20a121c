"""Saved conversations in the chat: a list beside it (new, open, rename,
delete, search), the current conversation back after a reload or a server
restart, and Markdown/JSON downloads.  The data is rag/history.py's.

The browser keeps only the current conversation's id (``gr.BrowserState``);
the server checks it against the logged-in user (``gr.Request.username``, ""
without a login) on every call, so an id from another user is simply not found.
User-facing strings are Arabic constants here (ui/app.py's move to gr.I18n
leaves this module alone).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import gradio as gr

from index.errors import ConversationNotFound, HistoryError
from rag.history import ConversationStore, Conversation
from rag.transcript import to_json, to_markdown

from .render import answer_html, empty_sources_html, esc, sources_html, user_html

LIST_TITLE = "المحادثات"
SEARCH_HINT = "ابحث في المحادثات…"
RENAME_HINT = "عنوان المحادثة"
RENAME = "إعادة التسمية"
DELETE = "حذف المحادثة"
EXPORT_MD = "تنزيل Markdown"
EXPORT_JSON = "تنزيل JSON"
EMPTY = "لا محادثات محفوظة بعد. ستظهر هنا بعد أول سؤال."
NO_MATCH = "لا محادثات تطابق البحث."
UNTITLED = "محادثة بلا عنوان"
TURNS = "{n} سؤال"
NOT_SAVED = "تعذّر حفظ المحادثة؛ الإجابة معروضة لكنها لن تبقى بعد إعادة التحميل."
NOT_LOADED = "تعذّر فتح سجل المحادثات."
GONE = "لم تعد هذه المحادثة موجودة (ربما حُذفت من نافذة أخرى)."
RENAMED = "تغيّر عنوان المحادثة."
DELETED = "حُذفت المحادثة."
NOTHING = "لا محادثة مفتوحة بعد: اطرح سؤالاً أولاً."
TOOLS = "إدارة المحادثة"

STORAGE_KEY = "arabic-rag-conversation"
# The browser stores only an id, which the server checks against the user on
# every call; a fixed secret lets it survive a server restart (a random one,
# Gradio's default, made the stored value unreadable after every restart).
BROWSER_SECRET = "arabic-rag-conversation-id"

CSS_TEMPLATE = """
.rag-convs { direction: rtl; text-align: start; font-size: .9rem; }
.rag-convs ul { list-style: none; padding: 0; margin: 0; max-height: 52vh; overflow-y: auto; }
.rag-convs li { margin: 0 0 4px; }
.rag-convs button { all: unset; box-sizing: border-box; display: block; width: 100%; cursor: pointer;
  padding: 6px 10px; border-radius: 10px; border: 1px solid transparent; }
.rag-convs button:hover, .rag-convs button:focus-visible { border-color: var(--border-color-primary); }
.rag-convs .rag-conv-current button { background: var(--background-fill-secondary);
  border-color: var(--color-accent, #0f766e); }
.rag-conv-title { display: block; unicode-bidi: plaintext; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.rag-conv-meta { display: block; font-size: .75rem; opacity: .7; }
.rag-convs-empty { opacity: .7; padding: 6px 2px; }
.rag-convs-error { color: #dc2626; }
"""
# A click anywhere on an item opens it (one listener: the list is re-rendered).
JS_ON_LOAD = """element.addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-conv]');
  if (b) trigger('select', {conv: b.dataset.conv});
});"""


def user_of(request: gr.Request | None) -> str:
    """The basic-auth user, or "" without a login."""
    return str(getattr(request, "username", None) or "")


def list_html(convs: list[Conversation], current: str = "", search: str = "", error: str = "") -> str:
    """The conversation list, newest first, escaped (titles are user input).

    >>> html = list_html([Conversation('ab12', '<b>سؤال</b>', 0.0, 0.0, 2)], current='ab12')
    >>> 'data-conv="ab12"' in html, '&lt;b&gt;' in html, 'rag-conv-current' in html, '2 سؤال' in html
    (True, True, True, True)
    >>> 'لا محادثات تطابق' in list_html([], search='x')
    True
    """
    head = '<div class="rag-convs" dir="rtl">'
    if error:
        return f'{head}<div class="rag-convs-error">{esc(error)}</div></div>'
    if not convs:
        return f'{head}<div class="rag-convs-empty">{NO_MATCH if search.strip() else EMPTY}</div></div>'
    items = []
    for c in convs:
        cls = ' class="rag-conv-current"' if c.id == current else ""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated))
        meta = f'<bdi dir="ltr">{when}</bdi> · {esc(TURNS.format(n=c.n_turns))}'
        items.append(f'<li{cls}><button type="button" data-conv="{esc(c.id)}" title="{esc(c.title)}">'
                     f'<span class="rag-conv-title">{esc(c.title or UNTITLED)}</span>'
                     f'<span class="rag-conv-meta">{meta}</span></button></li>')
    return f'{head}<ul>{"".join(items)}</ul></div>'


def chat_view(conv: Conversation, articles=None) -> tuple[list[dict], list[list[str]], str]:
    """(chat messages, follow-up history, sources panel) of a saved
    conversation, rendered as its answers were shown."""
    messages, history = [], []
    for t in conv.turns:
        messages += [{"role": "user", "content": user_html(t.question)},
                     {"role": "assistant", "content": answer_html(t.answer)}]
        history.append([t.question, t.answer.text])
    last = conv.turns[-1].answer if conv.turns else None
    return messages, history, sources_html(last, articles) if last else empty_sources_html()


def _warn(message: str, e: Exception | None = None) -> None:
    detail = f"<br><bdi dir='ltr'>{esc(e)}</bdi>" if e else ""
    gr.Warning(esc(message) + detail, title=LIST_TITLE)


class Conversations:
    """The panel's components and handlers; ``render`` inside the chat's row,
    ``wire`` once the chat's own components exist."""

    def __init__(self, store: ConversationStore, articles=None):
        self.store = store
        self.articles = articles
        self._exports = Path(tempfile.mkdtemp(prefix="rag-exports-"))

    # -------------------------------------------------------------- layout
    def render(self) -> None:
        self.state = gr.BrowserState({"id": "", "user": ""}, storage_key=STORAGE_KEY, secret=BROWSER_SECRET)
        with gr.Column(scale=1, min_width=230, elem_classes="rag-convs-col", elem_id="rag-convs-col"):
            gr.HTML(f'<div class="rag-sources-title">{LIST_TITLE}</div>', js_on_load=None)
            self.search = gr.Textbox(show_label=False, placeholder=SEARCH_HINT, lines=1, max_lines=1, rtl=True,
                                     elem_id="rag-conv-search", submit_btn=False)
            self.list = gr.HTML(list_html([]), elem_id="rag-conv-list", js_on_load=JS_ON_LOAD,
                                css_template=CSS_TEMPLATE)
            with gr.Accordion(TOOLS, open=True, elem_id="rag-conv-tools"):
                self.title = gr.Textbox(show_label=False, placeholder=RENAME_HINT, lines=1, max_lines=1, rtl=True,
                                        elem_id="rag-conv-title", submit_btn=False)
                with gr.Row():
                    self.rename_btn = gr.Button(RENAME, size="sm", elem_id="rag-conv-rename")
                    self.delete_btn = gr.Button(DELETE, size="sm", variant="stop", elem_id="rag-conv-delete")
                with gr.Row():
                    self.md = gr.DownloadButton(EXPORT_MD, size="sm", interactive=False, elem_id="rag-export-md")
                    self.json = gr.DownloadButton(EXPORT_JSON, size="sm", interactive=False, elem_id="rag-export-json")

    # -------------------------------------------------------------- pieces
    def _list(self, user: str, current: str, search: str = "") -> str:
        try:
            return list_html(self.store.list(user, search or ""), current, search or "")
        except HistoryError as e:
            print(f"conversation list: {e}", flush=True)
            return list_html([], error=NOT_LOADED)

    def _files(self, conv: Conversation | None):
        """The two downloads of a conversation (written again on each change)."""
        if conv is None or not conv.turns:
            return gr.update(value=None, interactive=False), gr.update(value=None, interactive=False)
        folder = self._exports / conv.id
        folder.mkdir(parents=True, exist_ok=True)
        md, js = folder / f"conversation-{conv.id}.md", folder / f"conversation-{conv.id}.json"
        md.write_text(to_markdown(conv), encoding="utf-8")
        js.write_text(to_json(conv), encoding="utf-8")
        return gr.update(value=str(md), interactive=True), gr.update(value=str(js), interactive=True)

    def _blank(self, user: str, search: str = ""):
        """Outputs for an empty chat: (chatbot, history, sources, state, list, title, md, json)."""
        return ([], [], empty_sources_html(), {"id": "", "user": user}, self._list(user, "", search), "",
                *self._files(None))

    def _open(self, user: str, cid: str, search: str = ""):
        """Outputs that show a saved conversation (a blank chat when it is gone)."""
        try:
            conv = self.store.get(user, cid)
        except ConversationNotFound:
            return self._blank(user, search)
        except HistoryError as e:
            _warn(NOT_LOADED, e)
            return self._blank(user, search)
        messages, history, sources = chat_view(conv, self.articles)
        return (messages, history, sources, {"id": conv.id, "user": user}, self._list(user, conv.id, search),
                conv.title, *self._files(conv))

    @staticmethod
    def _current(state, user: str) -> str:
        state = state if isinstance(state, dict) else {}
        return str(state.get("id") or "") if state.get("user", "") == user else ""

    # -------------------------------------------------------------- handlers
    def restore(self, state, search, request: gr.Request):
        """Page load: the conversation the browser had open, if it is this user's."""
        user = user_of(request)
        cid = self._current(state, user)
        return self._open(user, cid, search) if cid else self._blank(user, search)

    def select(self, search, evt: gr.EventData, request: gr.Request):
        cid = str(getattr(evt, "conv", "") or "")[:64]
        return self._open(user_of(request), cid, search)

    def new(self, search, request: gr.Request):
        return self._blank(user_of(request), search)

    def rename(self, state, title, search, request: gr.Request):
        user = user_of(request)
        cid = self._current(state, user)
        if not cid:
            _warn(NOTHING)
            return (gr.skip(),) * 4
        try:
            self.store.rename(user, cid, title or "")
            conv = self.store.get(user, cid)
        except ConversationNotFound:
            _warn(GONE)
            return self._list(user, "", search), "", *self._files(None)
        except HistoryError as e:
            _warn(RENAME, e)
            return (gr.skip(),) * 4
        gr.Info(RENAMED)
        return self._list(user, cid, search), conv.title, *self._files(conv)  # the exports carry the title

    def delete(self, state, search, request: gr.Request):
        user = user_of(request)
        cid = self._current(state, user)
        if cid:
            try:
                self.store.delete(user, cid)
                gr.Info(DELETED)
            except ConversationNotFound:
                pass
            except HistoryError as e:
                _warn(DELETE, e)
                return (gr.skip(),) * 8
        return self._blank(user, search)

    def filter(self, state, search, request: gr.Request):
        user = user_of(request)
        return self._list(user, self._current(state, user), search)

    def saving(self, turn, state, search, request: gr.Request):
        """Run one chat turn (``turn(on_answer)`` yields the chat's outputs) and
        save its answer; yields the chat's outputs plus (state, list, title,
        md, json), the latter filled once the answer is saved."""
        user = user_of(request)
        saved: list = []

        def on_answer(question: str, answer) -> None:
            cid = self._current(state, user)
            try:
                try:
                    n = self.store.append(user, cid, answer, question) if cid else 0
                except ConversationNotFound:  # deleted in another tab: start a new one
                    n = 0
                if not n:
                    cid = self.store.create(user).id
                    self.store.append(user, cid, answer, question)
                saved.append((self.store.get(user, cid), not n))
            except HistoryError as e:
                print(f"conversation not saved: {e}", flush=True)
                _warn(NOT_SAVED, e)

        for out in turn(on_answer):
            if saved:
                conv, created = saved.pop()
                # The title box only changes for a new conversation: a title being typed stays.
                yield (*out, {"id": conv.id, "user": user}, self._list(user, conv.id, search),
                       conv.title if created else gr.skip(), *self._files(conv))
            else:
                yield (*out, *(gr.skip(),) * 5)

    @property
    def chat_outputs(self) -> list:
        return [self.state, self.list, self.title, self.md, self.json]

    def wire(self, app: gr.Blocks, chatbot, history, sources, new_triggers: list) -> None:
        """The panel's events.  ``new_triggers``: the events that start a new
        conversation (the chat's own reset handlers still clear the chat)."""
        view = [chatbot, history, sources, *self.chat_outputs]
        private = dict(api_visibility="private", queue=False)
        app.load(self.restore, [self.state, self.search], view, **private)
        self.list.select(self.select, [self.search], view, **private)
        gr.on(new_triggers, self.new, [self.search], view, **private)
        self.search.change(self.filter, [self.state, self.search], self.list, trigger_mode="always_last", **private)
        renamed = [self.list, self.title, self.md, self.json]
        self.rename_btn.click(self.rename, [self.state, self.title, self.search], renamed, **private)
        self.title.submit(self.rename, [self.state, self.title, self.search], renamed, **private)
        self.delete_btn.click(self.delete, [self.state, self.search], view, **private)
