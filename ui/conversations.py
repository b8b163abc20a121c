"""Saved conversations in the chat: a list beside it (new, open, rename,
delete, search), the current conversation back after a reload or a server
restart, and Markdown/JSON downloads (made on request by ui/exports.py, never
written to disk).  The data is rag/history.py's.

The browser keeps only the current conversation's id (``gr.BrowserState``);
the server checks it against the logged-in user (``gr.Request.username``, ""
without a login) on every call, so an id from another user is simply not found.
Strings are ui/i18n.py's, in the reader's language: the components' through
gr.I18n, the rendered list and messages from the request's language.
"""

from __future__ import annotations

import sys
import time

import gradio as gr

from index.errors import ConversationNotFound, HistoryError
from rag.history import CHAT_BUSY_MS, ConversationStore, Conversation, HistoryBusy, question_title

from .exports import export_link
from .inflight import InFlight, detached, save_later
from .history_view import BROWSER_SECRET, CONFIRM_S, CSS_TEMPLATE, JS_ON_LOAD, STORAGE_KEY, chat_view, list_html
from .i18n import lang_of, t
from .render import empty_sources_html, esc, sources_html


# When the three columns no longer fit side by side (under ~1,100 px; 230 + 420 +
# 340 px of minimum widths, plus gaps), the list goes below the chat: on a
# 390 px phone it came first and pushed the chat 810 px down, off the screen.
LAYOUT_CSS = "@media (max-width: 1100px) { #rag-convs-col { order: 9; } }"
# There, 1,500 px down a 390 px phone's page, the list was out of reach: a button at the top
# (beside the title) scrolls to it, one at the list's top back to the question box.
LAYOUT_CSS += """
#rag-convs-jump, #rag-convs-back { display: none; }
.rag-hidden { display: none !important; }
.rag-turn-note { color: var(--rag-warn); font-size: .85rem; padding: 2px 6px; unicode-bidi: plaintext; }
@media (max-width: 1100px) {
  .rag-header { position: relative; }
  #rag-convs-jump { display: inline-flex; position: absolute; top: 4px; inset-inline-end: 4px; width: auto !important;
    min-width: 0 !important; flex: none !important; z-index: 5; white-space: nowrap; padding-inline: 10px; }
  #rag-convs-back { display: inline-flex; width: auto !important; align-self: flex-start; }
}"""


def user_of(request: gr.Request | None) -> str:
    """The basic-auth user, or "" without a login."""
    return str(getattr(request, "username", None) or "")


def _warn(lang: str, key: str, e: Exception | None = None) -> None:
    """A message for the user in their language; the error itself (with the
    database's path on the server) goes to the server's log only."""
    if e is not None:
        print(f"conversations: {e}", file=sys.stderr, flush=True)
    gr.Warning(esc(t(lang, key)), title=t(lang, "conv_list"))


class Conversations:
    """The panel's components and handlers; ``render`` inside the chat's row,
    ``wire`` once the chat's own components exist."""

    JUMP_JS = "() => document.querySelector('#rag-convs-col').scrollIntoView({block: 'start'})"
    BACK_JS = "() => document.querySelector('#rag-question').scrollIntoView({block: 'center'})"

    def __init__(self, store: ConversationStore, articles=None, wait_s: float = 120.0):
        self.store = store
        self.articles = articles
        self.inflight = InFlight()
        self.wait_s = wait_s  # how long a reloaded page waits for the answer it left
        try:  # left by a server killed mid-answer; an hour leaves another process's answer in progress alone
            store.purge_empty(older_than_s=3600)
        except HistoryError as e:
            print(f"conversations: {e}", file=sys.stderr, flush=True)

    # -------------------------------------------------------------- layout
    def render(self, i18n) -> None:
        """The panel; ``i18n``: the app's gr.I18n (labels follow the browser's language)."""
        self.state = gr.BrowserState({"id": "", "user": ""}, storage_key=STORAGE_KEY, secret=BROWSER_SECRET)
        self.armed = gr.State(None)  # (id, time) of a first click on "delete"; a second click confirms
        # Ends the confirmation window: the button said "click again to confirm" long after the
        # window had closed.  Active only while armed; its one tick disarms.
        self.disarm_timer = gr.Timer(CONFIRM_S, active=False)
        with gr.Column(scale=1, min_width=230, elem_classes="rag-convs-col", elem_id="rag-convs-col"):
            back = gr.Button(i18n("conv_back"), size="sm", elem_id="rag-convs-back")
            back.click(None, None, None, js=self.BACK_JS)
            gr.HTML(i18n("conv_title_html"), js_on_load=None)  # LAYOUT_CSS is in the page's CSS (ui/style.py)
            self.search = gr.Textbox(label=i18n("conv_search"), show_label=False, placeholder=i18n("conv_search"),
                                     lines=1, max_lines=1,
                                     elem_id="rag-conv-search", submit_btn=False)
            # empty until the page's load fills it: "no saved conversations" was shown, falsely,
            # while a reloaded page waited for the answer it had left
            self.list = gr.HTML('<div class="rag-convs"></div>', elem_id="rag-conv-list", js_on_load=JS_ON_LOAD,
                                css_template=CSS_TEMPLATE)
            # which saved answer's sources to show ("<answer index>:<nonce>"): set by the page's JS when a
            # badge of an older answer is clicked (ui/style.py); never seen
            self.pick = gr.Textbox(label=i18n("turn_pick"), elem_id="rag-turn-pick", elem_classes="rag-hidden",
                                   show_label=False,
                                   container=False, lines=1, max_lines=1)
            with gr.Accordion(i18n("conv_tools"), open=True, elem_id="rag-conv-tools"):
                self.title = gr.Textbox(label=i18n("conv_rename_hint"), show_label=False,
                                        placeholder=i18n("conv_rename_hint"), lines=1, max_lines=1,
                                        elem_id="rag-conv-title", submit_btn=False)
                with gr.Row():
                    self.rename_btn = gr.Button(i18n("conv_rename"), size="sm", elem_id="rag-conv-rename")
                    self.delete_btn = gr.Button(i18n("conv_delete"), size="sm", variant="stop",
                                                elem_id="rag-conv-delete")
                with gr.Row():
                    # links to ui/exports.py's route: the export is made when its owner clicks
                    self.md = gr.Button(i18n("conv_export_md"), size="sm", interactive=False,
                                        elem_id="rag-export-md")
                    self.json = gr.Button(i18n("conv_export_json"), size="sm", interactive=False,
                                          elem_id="rag-export-json")

    # -------------------------------------------------------------- pieces
    def _list(self, user: str, current: str, search: str = "", lang: str = "ar") -> str:
        try:
            # a conversation with no answer is the one being answered (shown while it is the open one) or
            # was left by a server killed mid-answer (kill -9): it stayed in the list for good (issue 24)
            convs = [c for c in self.store.list(user, search or "") if c.n_turns or c.id == current]
            return list_html(convs, current, search or "", lang=lang)
        except HistoryError as e:
            print(f"conversation list: {e}", file=sys.stderr, flush=True)
            return list_html([], error=t(lang, "conv_not_loaded"), lang=lang)

    def _files(self, conv: Conversation | None, lang: str = "ar"):
        """The two download buttons of a conversation: links to its exports,
        which ui/exports.py makes for its owner when clicked (nothing on disk)."""
        if conv is None or not conv.turns:
            return gr.update(link=None, interactive=False), gr.update(link=None, interactive=False)
        return (gr.update(link=export_link(conv.id, "md"), interactive=True),
                gr.update(link=export_link(conv.id, "json"), interactive=True))

    def _blank(self, user: str, search: str = "", lang: str = "ar"):
        """Outputs for an empty chat: (chatbot, history, sources, state, list, title, md, json)."""
        return ([], [], empty_sources_html(lang), {"id": "", "user": user}, self._list(user, "", search, lang), "",
                *self._files(None))

    def _open(self, user: str, cid: str, search: str = "", lang: str = "ar"):
        """Outputs that show a saved conversation (a blank chat when it is gone),
        once the answer it is writing, if any, is done."""
        finished = self.inflight.wait((user, cid), self.wait_s)
        try:
            conv = self.store.get(user, cid)
        except ConversationNotFound:
            return self._blank(user, search, lang)
        except HistoryError as e:
            _warn(lang, "conv_not_loaded", e)
            return self._blank(user, search, lang)
        if finished and not conv.turns:  # no answer is being written into it: nothing to show or keep open
            return self._blank(user, search, lang)
        messages, history, sources = chat_view(conv, self.articles, lang)
        return (messages, history, sources, {"id": conv.id, "user": user}, self._list(user, conv.id, search, lang),
                conv.title, *self._files(conv, lang))

    @staticmethod
    def _current(state, user: str) -> str:
        state = state if isinstance(state, dict) else {}
        return str(state.get("id") or "") if state.get("user", "") == user else ""

    # -------------------------------------------------------------- handlers
    def restore(self, state, search, request: gr.Request):
        """Page load: the conversation the browser had open, if it is this user's."""
        user, lang = user_of(request), lang_of(request)
        cid = self._current(state, user)
        return self._open(user, cid, search, lang) if cid else self._blank(user, search, lang)

    def select(self, search, evt: gr.EventData, request: gr.Request):
        cid = str(getattr(evt, "conv", "") or "")[:64]
        return self._open(user_of(request), cid, search, lang_of(request))

    def new(self, search, request: gr.Request):
        return self._blank(user_of(request), search, lang_of(request))

    def rename(self, state, title, search, request: gr.Request):
        user, lang = user_of(request), lang_of(request)
        cid = self._current(state, user)
        if not cid:
            _warn(lang, "conv_nothing")
            return (gr.skip(),) * 4
        try:
            self.store.rename(user, cid, title or "")
            conv = self.store.get(user, cid)
        except ConversationNotFound:
            _warn(lang, "conv_gone")
            return self._list(user, "", search, lang), "", *self._files(None)
        except HistoryError as e:
            _warn(lang, "conv_rename", e)
            return (gr.skip(),) * 4
        gr.Info(t(lang, "conv_renamed"))
        return self._list(user, cid, search, lang), conv.title, *self._files(conv, lang)  # the exports carry the title

    def delete(self, state, armed, search, request: gr.Request):
        """Two clicks delete: the first asks for confirmation (the button says
        so), a second one on the same conversation within CONFIRM_S seconds
        deletes.  Outputs: the view, the armed (id, time), the button, the
        timer that disarms when the window ends."""
        user, lang = user_of(request), lang_of(request)
        cid = self._current(state, user)
        keep = (gr.skip(),) * 8
        disarmed = self.disarm(request)
        if not cid:
            _warn(lang, "conv_nothing")
            return (*keep, *disarmed)
        now = time.monotonic()
        if not armed or armed[0] != cid or now - armed[1] > CONFIRM_S:  # confirms this conversation only
            return (*keep, (cid, now), gr.update(value=t(lang, "conv_confirm")), gr.Timer(active=True))
        try:
            self.store.delete(user, cid)
            gr.Info(t(lang, "conv_deleted"))
        except ConversationNotFound:
            pass
        except HistoryError as e:
            _warn(lang, "conv_delete", e)
            return (*keep, *disarmed)
        return (*self._blank(user, search, lang), *disarmed)

    def turn_sources(self, state, pick, request: gr.Request):
        """The sources panel of the open conversation's answer number ``pick``
        (0 = the first), as stored with it: an older answer's badges show
        that answer's passages, not the latest one's.  Marked with its number
        (data-turn) so the page knows which answer the panel shows."""
        user, lang = user_of(request), lang_of(request)
        cid = self._current(state, user)
        try:
            i = int(str(pick or "").split(":")[0])
            turns = self.store.get(user, cid).turns if cid and i >= 0 else []
            turn = turns[i]
        except (ValueError, IndexError, HistoryError):
            return gr.skip()
        # an older answer's panel says so (the latest answer's is the panel as it was)
        note = (f'<div class="rag-turn-note">{esc(t(lang, "turn_sources", n=i + 1, q=turn.question))}</div>'
                if i < len(turns) - 1 else "")
        return (f'<div class="rag-turn-sources" data-turn="{i}">'
                f'{note}{sources_html(turn.answer, self.articles, lang)}</div>')

    @staticmethod
    def disarm(request: gr.Request):
        """Outputs (armed, delete button, timer) with no delete pending: when the
        window ends, or another conversation (or a new one) is opened."""
        return None, gr.update(value=t(lang_of(request), "conv_delete")), gr.Timer(active=False)

    def filter(self, state, search, request: gr.Request):
        user = user_of(request)
        return self._list(user, self._current(state, user), search, lang_of(request))

    def saving(self, turn, question, state, search, request: gr.Request):
        """Run one chat turn (``turn(on_answer)`` yields the chat's outputs) and
        save its answer; yields the chat's outputs plus (state, list, title,
        md, json).  A new conversation is created as the question is shown, so
        a reload mid-answer knows it; the turn runs to its end and is saved
        even when the browser leaves (ui/inflight.py)."""
        user, lang = user_of(request), lang_of(request)
        cid = self._current(state, user)
        fresh, saved, stored, later = "", [], [], []  # later: the database was locked; saved by a thread (save_later)
        if str(question or "").strip():
            try:
                if cid:
                    self.store.get(user, cid, turns=False)
            except ConversationNotFound:  # deleted in another tab: start a new one
                cid = ""
            except HistoryError:
                pass  # reported when saving
            if not cid:
                try:  # in the answer slot: a short wait for a lock (CHAT_BUSY_MS), then saved later
                    cid = fresh = self.store.create(user, question_title(question), busy_ms=CHAT_BUSY_MS).id
                except HistoryBusy:
                    later.append(True)
                except HistoryError as e:
                    print(f"conversation not created: {e}", file=sys.stderr, flush=True)
        key = (user, cid)
        done = self.inflight.start(key) if cid else None

        def finish() -> None:
            if done is not None:
                self.inflight.finish(key, done)

        def on_answer(q: str, answer) -> None:
            try:
                if later or not cid:
                    if later:
                        raise HistoryBusy("locked")
                    raise HistoryError(f"no conversation database ({self.store.path})")
                self.store.append(user, cid, answer, q, busy_ms=CHAT_BUSY_MS)
            except HistoryBusy:
                later[:] = [(q, answer)]
                gr.Warning(esc(t(lang, "conv_save_later")), title=t(lang, "conv_list"))
                return
            except HistoryError as e:
                _warn(lang, "conv_not_saved", e)
                return
            stored.append(True)
            try:
                saved.append(self.store.get(user, cid))
            except HistoryError as e:
                print(f"conversations: {e}", file=sys.stderr, flush=True)

        def on_end() -> None:
            if later and later[0] is not True:  # the answer waits for the lock in a thread of its own
                save_later(self.store, user, cid, question_title(later[0][0]), *later[0], on_done=finish)
                return
            try:
                if fresh and not stored:  # the question got no answer: no empty conversation stays
                    self.store.delete(user, fresh, busy_ms=CHAT_BUSY_MS)
            except HistoryError:
                pass
            finally:
                finish()

        first = True
        for out in detached(lambda: turn(on_answer), on_end):
            extra = (gr.skip(),) * 5
            if saved:
                conv = saved[-1]
                extra = ({"id": conv.id, "user": user}, self._list(user, conv.id, search, lang),
                         conv.title if first and fresh else gr.skip(), *self._files(conv, lang))
            elif first and fresh:  # the browser keeps the new id at once (a reload mid-answer finds it)
                extra = ({"id": fresh, "user": user}, self._list(user, fresh, search, lang), self._title(user, fresh),
                         *self._files(None))
            first = False
            yield (*out, *extra)
        if fresh and not saved and not later:
            yield (*(gr.skip(),) * 4, *self._blank(user, search, lang)[3:])

    def _title(self, user: str, cid: str):
        try:
            return self.store.get(user, cid, turns=False).title
        except HistoryError:
            return gr.skip()

    @property
    def chat_outputs(self) -> list:
        return [self.state, self.list, self.title, self.md, self.json]

    def wire(self, app: gr.Blocks, chatbot, history, sources, new_triggers: list) -> None:
        """The panel's events.  ``new_triggers``: the events that start a new
        conversation (the chat's own reset handlers still clear the chat)."""
        view = [chatbot, history, sources, *self.chat_outputs]
        private = dict(api_visibility="private", queue=False)
        app.load(self.restore, [self.state, self.search], view, **private, show_progress="hidden")
        self.list.select(self.select, [self.search], view, **private)
        gr.on(new_triggers, self.new, [self.search], view, **private)
        # a pending delete is for the conversation it was asked on: opening another one, or the
        # window's end, puts the button back (the server would ask again anyway)
        pending = [self.armed, self.delete_btn, self.disarm_timer]
        gr.on([self.list.select, *new_triggers, self.disarm_timer.tick], self.disarm, None, pending, **private,
              show_progress="hidden")
        self.search.change(self.filter, [self.state, self.search], self.list, trigger_mode="always_last", **private)
        renamed = [self.list, self.title, self.md, self.json]
        # through the queue: only queued events show their gr.Info/gr.Warning toasts ("renamed", "deleted")
        told = dict(api_visibility="private", concurrency_limit=None)
        self.rename_btn.click(self.rename, [self.state, self.title, self.search], renamed, **told)
        self.title.submit(self.rename, [self.state, self.title, self.search], renamed, **told)
        self.delete_btn.click(self.delete, [self.state, self.armed, self.search], [*view, *pending], **told)
        self.pick.change(self.turn_sources, [self.state, self.pick], sources, **private, show_progress="hidden")
