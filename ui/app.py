"""The Gradio chat: Arabic, right-to-left, streamed answers with checked
citations beside a sources panel; an Articles tab to upload and re-index.

``rag chat`` calls :func:`launch`; tests and embedders can use :func:`build_app`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # fully local: no telemetry

import gradio as gr  # noqa: E402

from index.errors import QuestionError, RagError  # noqa: E402
from rag.answer import Answer, Checking  # noqa: E402
from index.build import fraction  # noqa: E402
from rag.models import BUNDLED_LLM as BUNDLED  # noqa: E402
from rag.history import ConversationStore  # noqa: E402
from rag.notices import LLM_NOT_USED  # noqa: E402
from rag.plural import count  # noqa: E402
from rag.settings import Settings  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from .articles import (  # noqa: E402
    MAX_UPLOAD_BYTES, UploadError, article_files, remove_article, save_upload, status_html,
)
from .admins import admins_from_env  # noqa: E402
from .auth import ClientAddress, auth_from_env  # noqa: E402
from .conversations import Conversations, user_of  # noqa: E402
from .exports import export_route, remove_old_copies  # noqa: E402
from .serving import translate_queue_full  # noqa: E402
from .backend import (  # noqa: E402
    UPLOAD_TYPES, Backend, build_step, ensure_index, for_client, internal_error, user_message,
)
from .i18n import MESSAGES, build_summary, lang_of, notice_text, t  # noqa: E402
from .render import (  # noqa: E402
    answer_html,
    empty_sources_html,
    error_html,
    esc,
    sources_html,
    streaming_html,
    user_html,
)
from .style import CSS, HEAD, JS, login_message, theme  # noqa: E402
from .waiting import WaitingLine  # noqa: E402

OK, NO = "✓", "✗"  # in the bundled fonts (emoji are not)
EXAMPLE_SLOTS = 4  # example chips under the chat (ui/examples.py SHOWN)


def toast(message) -> str:
    """Gradio renders toast messages as HTML: escape (file names and paths are user input)."""
    return esc(message).replace("\n", "<br>")


def chat_turn(be: Backend, question, messages, history, k=None, mode=None, model=None, on_answer=None,
              lang: str = "ar"):
    """One chat turn: yields (textbox, chat messages, sources panel, history) as the answer streams;
    ``on_answer(question, answer)`` is called with the final answer before it is shown (saving it)."""
    messages, history = list(messages or []), list(history or [])
    question = (question or "").strip()
    if not question:
        gr.Warning(t(lang, "empty_q"), title=t(lang, "empty_q_title"))
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return
    before = messages + [{"role": "user", "content": user_html(question)}]
    yield "", before + [{"role": "assistant", "content": streaming_html("", lang=lang)}], gr.skip(), gr.skip()
    streamed, final = "", None
    try:
        stream = be.assistant(model).stream(question, history=[tuple(p) for p in history],
                                            mode=mode or None, k=int(k) if k else None)
        for event in stream:
            if isinstance(event, Answer):
                final = event
                continue
            checking = isinstance(event, Checking)
            if not checking:
                streamed += event  # a sentence that passed the check: it stays
            yield gr.skip(), before + [{"role": "assistant", "content": streaming_html(streamed, checking, lang)}], \
                gr.skip(), gr.skip()
    except Exception as e:  # noqa: BLE001 - a client sees a short message, the server log the details
        msg = user_message(e, lang) if isinstance(e, RagError) else internal_error(e, lang)
        gr.Warning(toast(msg), title=t(lang, "empty_q_title" if isinstance(e, QuestionError) else "failed_title"))
        yield gr.skip(), before + [{"role": "assistant", "content": error_html(msg, lang)}], gr.skip(), history
        return
    final = for_client(final)  # notices without server paths or URLs (logged instead)
    for notice in final.notices:
        if notice.code in LLM_NOT_USED:
            gr.Warning(toast(notice_text(lang, notice)), title=t(lang, "llm_title"))
    history.append([question, final.text])
    if on_answer is not None:
        on_answer(question, final)
    yield (gr.skip(), before + [{"role": "assistant", "content": answer_html(final, lang)}],
           sources_html(final, be.articles, lang), history)


def ask_api(be: Backend, question: str, mode: str = "", k: int = 0, model: str = "",
            history: list[list[str]] | None = None, lang: str = "ar") -> dict:
    """Answer one question (stateless): the checked answer, its citations and the retrieved passages."""
    try:
        ans = be.assistant(model or None).ask(question, history=[tuple(p) for p in history or []],
                                               mode=mode or None, k=k or None)
    except RagError as e:
        raise gr.Error(user_message(e, lang), print_exception=False) from None
    except Exception as e:  # noqa: BLE001 - never a traceback or a server path to an API client
        raise gr.Error(internal_error(e, lang), print_exception=False) from None
    ans = for_client(ans)  # notices without server paths or URLs (logged instead)
    d = ans.to_dict()
    d["sources_html"] = sources_html(ans, be.articles, lang)
    return d


def upload_files(be: Backend, files, lang: str = "ar", replace: bool = False) -> tuple[str, str]:
    """Save uploaded files into the corpus folder (replacing articles of the same
    name when ``replace``); (message HTML, index status HTML)."""
    if not files:
        gr.Warning(t(lang, "no_files"), title=t(lang, "no_files_title"))
        return gr.skip(), gr.skip()
    ok, lines = 0, []
    for f in files:
        path = Path(str(f))
        try:
            saved = save_upload(path, path.name, be.settings.corpus, MAX_UPLOAD_BYTES, replace=bool(replace))
            ok += 1
            lines.append(f'<li class="rag-ok">{OK} {esc(saved.text(lang))}</li>')
        except (UploadError, OSError) as e:
            msg = e.text(lang) if isinstance(e, UploadError) else t(lang, "up_refused", name=path.name,
                                                                       reason=e.strerror or type(e).__name__)
            lines.append(f'<li class="rag-bad">{NO} {esc(msg)}</li>')
            gr.Warning(toast(msg), title=t(lang, "refused_title"))
    tail = f"<p>{t(lang, 'added_tail')}</p>" if ok else ""
    return (f'<div class="rag-msg"><ul>{"".join(lines)}</ul>{tail}</div>',
            status_html(be.settings.corpus, be.manifest(), lang=lang))


def remove_file(be: Backend, name, lang: str = "ar"):
    """Move one article out of the corpus folder into <corpus>/.removed/ (recoverable);
    (message HTML, index status HTML, the remove list)."""
    if not name:
        gr.Warning(t(lang, "rm_none"), title=t(lang, "rm_title"))
        return gr.skip(), gr.skip(), gr.skip()
    try:
        where = remove_article(be.settings.corpus, str(name))
        msg = f'<div class="rag-msg"><p class="rag-ok">{OK} {esc(t(lang, "rm_done", name=name, where=where))}</p></div>'
    except UploadError as e:
        gr.Warning(toast(e.text(lang)), title=t(lang, "rm_title"))
        msg = f'<div class="rag-msg"><p class="rag-bad">{NO} {esc(e.text(lang))}</p></div>'
    return msg, status_html(be.settings.corpus, be.manifest(), lang=lang), remove_choices(be)


def remove_choices(be: Backend):
    """The remove list: the article files of the folder now."""
    return gr.update(choices=article_files(be.settings.corpus), value=None)


def rebuild_index(be: Backend, progress=None, lang: str = "ar") -> tuple[str, str, str]:
    """Build the index (incrementally) and swap it into every Assistant."""
    def note(stage, done, total):
        if progress is not None:
            progress(fraction(stage, done, total), desc=build_step(stage, done, total, lang))

    try:
        report = be.rebuild(note)
    except RagError as e:
        raise gr.Error(toast(user_message(e, lang)), title=t(lang, "build_failed_title"),
                       print_exception=False) from None
    lines = "".join(f"<li>{esc(line)}</li>" for line in build_summary(lang, report))
    summary = (f'<div class="rag-msg"><p class="rag-ok">{OK} {t(lang, "built")}</p>'
               f'<ul class="rag-build">{lines}</ul></div>')
    return summary, status_html(be.settings.corpus, be.manifest(), lang=lang), be.info_html(lang)


def refresh_status(be: Backend, lang: str = "ar") -> tuple[str, str]:
    try:
        return status_html(be.settings.corpus, be.manifest(), lang=lang), be.info_html(lang)
    except RagError as e:
        return status_html(be.settings.corpus, None, str(e), lang), be.info_html(lang)


def _turn_key(request) -> str:
    return getattr(request, "session_hash", None) or str(id(request))


def translations(upload_types, max_mb: int):
    """gr.I18n of ui/i18n.py's strings (the few with values filled in)."""
    filled = {}
    for lang, table in MESSAGES.items():
        types = "، ".join(f"`{e}`" for e in upload_types) if lang == "ar" else ", ".join(f"`{e}`" for e in upload_types)
        filled[lang] = {**table, "upload_help": table["upload_help"].format(types=types, mb=max_mb)}
    return gr.I18n(**filled)


I18N = translations(UPLOAD_TYPES, MAX_UPLOAD_BYTES // (1024 * 1024))


def build_app(settings: Settings, backend: Backend | None = None) -> gr.Blocks:
    be = backend or Backend(settings)

    line = WaitingLine(slots=settings.answers_at_once())
    convs = Conversations(ConversationStore(settings.history_path), be.articles, wait_s=settings.llm_timeout)
    admins = admins_from_env()  # who may upload and rebuild (ui/admins.py)

    def allowed(request) -> None:
        if not admins.may(user_of(request)):
            lang = lang_of(request)
            raise gr.Error(t(lang, "not_admin"), title=t(lang, "not_admin_title"), print_exception=False)

    def respond(question, messages, history, k, mode, model, conv=None, search=None, request: gr.Request = None):
        # conv and search default to None: /chat API clients of before need not send them
        key, t0, lang = _turn_key(request), time.monotonic(), lang_of(request)
        line.start(key)  # it holds an answer slot now (ui/waiting.py counts those apart from the waiting)
        try:
            yield from convs.saving(
                lambda save: chat_turn(be, question, messages, history, k, mode, model, save, lang),
                question, conv, search, request)
        finally:
            line.leave(key, time.monotonic() - t0)

    def queue_note(request: gr.Request) -> str:
        """Joins the line for the answer slot; says so when the turn must wait."""
        ahead, eta = line.join(_turn_key(request))
        if not ahead:
            return ""
        lang = lang_of(request)
        when = (t(lang, "queued_eta", s=max(1, round(eta))) if eta else
                t(lang, "queued_next") if ahead == 1 else t(lang, "queued_after", n=count(lang, ahead, "answer")))
        return f'<div class="rag-queue">{t(lang, "queued", pos=ahead + 1, when=when)}</div>'

    def ask(question: str, mode: str = "", k: int = 0, model: str = "",
            history: list[list[str]] | None = None, request: gr.Request = None) -> dict:
        """Answer one question (stateless): the checked answer, its citations and the retrieved passages."""
        return ask_api(be, question, mode, k, model, history, lang_of(request))

    def upload(files, replace=False, request: gr.Request = None):  # replace: /upload API clients of before omit it
        allowed(request)
        return (*upload_files(be, files, lang_of(request), replace), remove_choices(be))

    def remove(name, request: gr.Request):
        allowed(request)  # removing changes every user's answers, like an upload
        return remove_file(be, name, lang_of(request))

    def rebuild(request: gr.Request, progress=gr.Progress()):  # noqa: B008 (Gradio's way to ask for a progress bar)
        allowed(request)
        return rebuild_index(be, progress, lang_of(request))

    def refresh(request: gr.Request):
        return refresh_status(be, lang_of(request))

    def page_info(request: gr.Request):
        return be.info_html(lang_of(request))

    def empty_sources(request: gr.Request):
        return empty_sources_html(lang_of(request))

    s = settings
    i18n = I18N
    with gr.Blocks(title=t("ar", "title"), analytics_enabled=False, fill_width=True) as app:
        with gr.Row(elem_classes="rag-header"):
            gr.HTML(i18n("brand"))
            info = gr.HTML(be.info_html(), elem_classes="rag-info-box")
            # narrow screens only (ui/conversations.py LAYOUT_CSS): the list is below the chat there
            jump = gr.Button(i18n("conv_jump"), size="sm", elem_id="rag-convs-jump")
        with gr.Tabs():
            with gr.Tab(i18n("tab_chat"), id="chat"):
                with gr.Row(equal_height=False, elem_classes="rag-main"):
                    convs.render(i18n)  # saved conversations (ui/conversations.py)
                    with gr.Column(scale=3, min_width=420, elem_classes="rag-chat-col"):
                        chatbot = gr.Chatbot(
                            elem_id="rag-chat", label=i18n("chat_label"), show_label=False, height="58vh",
                            min_height=360,
                            buttons=[], feedback_options=None, latex_delimiters=[], rtl=True,
                            placeholder=i18n("placeholder"),
                        )
                        history = gr.State([])
                        with gr.Row(elem_classes="rag-examples"):
                            gr.HTML(i18n("try"), elem_classes="rag-ex-label")
                            shown = be.examples.shown()  # the user's own (ui/examples.py); filled in on load
                            ex_buttons = [gr.Button(shown[i] if i < len(shown) else "", size="sm",
                                                    elem_classes="rag-example", visible=i < len(shown),
                                                    elem_id=f"rag-example-{i}") for i in range(EXAMPLE_SLOTS)]
                        waiting = gr.HTML("", elem_id="rag-queue", js_on_load=None)
                        with gr.Row(elem_classes="rag-input-row"):
                            question = gr.Textbox(label=i18n("question_label"), show_label=False,
                                                  placeholder=i18n("question_ph"),
                                                  lines=1, max_lines=4, scale=8, elem_id="rag-question",
                                                  submit_btn=False)  # focused by JS on wide screens only
                            send = gr.Button(i18n("send"), variant="primary", scale=1, min_width=100,
                                             elem_id="rag-send")
                            clear = gr.Button(i18n("new_chat"), size="sm", scale=1, min_width=120, elem_id="rag-clear")
                        with gr.Accordion(i18n("settings"), open=False, elem_id="rag-settings"):
                            with gr.Row():
                                k = gr.Slider(1, 10, value=max(1, min(10, s.k)), step=1, label=i18n("k"))
                                mode = gr.Radio([(i18n("mode_auto"), "auto"), (i18n("mode_generative"), "generative"),
                                                 (i18n("mode_extractive"), "extractive")],
                                                value=s.mode, label=i18n("mode"), elem_id="rag-mode",
                                                info=i18n("mode_info"))
                            # Only the models the operator offers (`rag models pull`, --llm-model): a
                            # typed path would let any client load model copies and probe the disk.
                            choices = [(i18n("model_bundled") if v == BUNDLED else label, v)
                                       for label, v in be.model_choices()]
                            model = gr.Dropdown(choices, value=be.default_choice, allow_custom_value=False,
                                                label=i18n("model"), elem_id="rag-model")
                    with gr.Column(scale=2, min_width=340, elem_classes="rag-sources-col"):
                        sources = gr.HTML(empty_sources_html(), elem_id="rag-sources", js_on_load=None)
            with gr.Tab(i18n("tab_articles"), id="articles") as articles_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        status = gr.HTML(elem_id="rag-status", js_on_load=None)
                    with gr.Column(scale=2):
                        who = gr.HTML(elem_id="rag-who-box", js_on_load=None)  # who may change the articles
                        gr.Markdown(i18n("upload_help"), elem_classes="rag-md")
                        # No file_types: Gradio would refuse other types with an English message;
                        # ui/articles.py refuses them in the reader's language.
                        files = gr.File(file_count="multiple", label=i18n("files"), elem_id="rag-upload")
                        replace = gr.Checkbox(False, label=i18n("up_replace"), elem_id="rag-replace")
                        add = gr.Button(i18n("add"), elem_id="rag-add")
                        upload_msg = gr.HTML(elem_id="rag-upload-msg", js_on_load=None)
                        with gr.Row(elem_classes="rag-remove-row"):
                            remove_pick = gr.Dropdown([], value=None, label=i18n("rm_pick"), info=i18n("rm_info"),
                                                      # custom values: Gradio would refuse a name missing from a
                                                      # stale list in English; ui/articles.py checks it (never
                                                      # outside the folder) and answers in the reader's language
                                                      allow_custom_value=True, elem_id="rag-remove-pick", scale=3)
                            remove_btn = gr.Button(i18n("rm_button"), variant="stop", size="sm",
                                                   elem_id="rag-remove", scale=1, min_width=120)
                        rebuild_btn = gr.Button(i18n("rebuild"), variant="primary", elem_id="rag-rebuild")
                        build_msg = gr.HTML(elem_id="rag-build-msg", js_on_load=None)

        chat_in = [question, chatbot, history, k, mode, model, convs.state, convs.search]
        chat_out = [question, chatbot, sources, history, *convs.chat_outputs]
        # Gradio's queue overlay is English ("queue: 1/1 | 3.0/25.5s"): the chat says it itself (#rag-queue).
        opts = dict(concurrency_limit=s.answers_at_once(), concurrency_id="answer", show_progress="hidden")
        # While an answer streams, the inputs are disabled: a second turn started
        # from the same (stale) chat state would overwrite the first answer.
        lock = [question, send, clear, *ex_buttons]
        private = dict(queue=False, api_visibility="private", show_progress="hidden")

        def busy(request: gr.Request):
            return [gr.update(interactive=False)] * len(lock) + [queue_note(request)]

        def idle():
            return [gr.update(interactive=True)] * len(lock) + [""]

        send.click(busy, None, [*lock, waiting], **private).then(
            respond, chat_in, chat_out, api_name="chat", **opts).then(idle, None, [*lock, waiting], **private)
        question.submit(busy, None, [*lock, waiting], **private).then(
            respond, chat_in, chat_out, api_visibility="private", **opts).then(idle, None, [*lock, waiting], **private)
        def busy_example(q: str, request: gr.Request):  # the button's own text: examples change after a build
            return [gr.update(value=q, interactive=False), *busy(request)[1:]]

        def example_buttons():
            qs = be.examples.shown()
            return [gr.update(value=qs[i], visible=True) if i < len(qs) else gr.update(visible=False)
                    for i in range(EXAMPLE_SLOTS)]

        for btn in ex_buttons:
            btn.click(busy_example, btn, [*lock, waiting], **private).then(
                respond, chat_in, chat_out, api_visibility="private", **opts).then(idle, None, [*lock, waiting],
                                                                                   **private)
        def new_chat(request: gr.Request):
            return [], [], empty_sources(request), ""

        reset = (new_chat, None, [chatbot, history, sources, question])
        clear.click(*reset, queue=False, api_visibility="private")
        chatbot.clear(*reset, queue=False, api_visibility="private")  # the chat's own trash button
        convs.wire(app, chatbot, history, sources, [clear.click, chatbot.clear])
        jump.click(None, None, None, js=convs.JUMP_JS)
        gr.api(ask, api_name="ask", concurrency_limit=s.answers_at_once(), concurrency_id="answer")
        add.click(upload, [files, replace], [upload_msg, status, remove_pick], api_name="upload",
                  concurrency_limit=4).then(lambda: None, None, files, queue=False, api_visibility="private")
        remove_btn.click(remove, remove_pick, [upload_msg, status, remove_pick], api_name="remove", concurrency_limit=1)
        rebuild_btn.click(rebuild, None, [build_msg, status, info], api_name="rebuild",
                          concurrency_limit=1, concurrency_id="build",
                          show_progress_on=[build_msg]).then(  # one progress bar, not one per output
            lambda: "", None, upload_msg, queue=False, api_visibility="private").then(  # "press rebuild" is done
            example_buttons, None, ex_buttons, queue=False, api_visibility="private")  # made from the new index
        # The status reads the whole corpus folder: only when the Articles tab is opened.
        # Quick private events show no Gradio overlay: its "In queue: 1 of 1" is English on an Arabic page.
        quiet = dict(api_visibility="private", concurrency_limit=None, show_progress="hidden")
        articles_tab.select(refresh, None, [status, info], **quiet).then(
            lambda: remove_choices(be), None, remove_pick, queue=False, api_visibility="private")
        app.load(page_info, None, info, **quiet)
        app.load(example_buttons, None, ex_buttons, **quiet)

        def who_may(request: gr.Request):
            return admins.html(user_of(request), lang_of(request))

        app.load(who_may, None, who, queue=False, api_visibility="private", show_progress="hidden")
    return app


def launch(settings: Settings, share: bool = False, block: bool = True) -> gr.Blocks:
    """Start the chat (building the index first when there is none); ``block=False``
    returns the running app (tests close it)."""
    auth = auth_from_env(settings, share)
    admins_from_env()  # a misnamed admin stops the start, not the first upload
    remove_old_copies()  # conversation exports earlier versions left in the shared temp folder
    ensure_index(settings)
    backend = Backend(settings)
    app = build_app(settings, backend)

    def warm() -> None:
        try:
            backend.assistant().warm()
        except Exception as e:  # noqa: BLE001 - the first question shows it to the user properly
            print(f"warm-up skipped: {e}", file=sys.stderr, flush=True)
        try:  # example questions from the user's articles, each answered by the product first (ui/examples.py)
            qs = backend.examples.refresh()
            print(f"example questions: {len(qs)}", file=sys.stderr, flush=True)
        except Exception as e:  # noqa: BLE001 - no examples rather than no chat
            print(f"example questions skipped: {e}", file=sys.stderr, flush=True)

    threading.Thread(target=warm, name="warm-up", daemon=True).start()
    app.queue(default_concurrency_limit=1, max_size=settings.queue_size)
    translate_queue_full(app)
    app.launch(
        server_name=settings.host, server_port=settings.port, share=share, auth=auth,
        auth_message=login_message() if auth else None,
        theme=theme(), css=CSS, head=HEAD, js=JS, ssr_mode=False, pwa=False, mcp_server=False,
        footer_links=["api"],  # the app has its own settings panel
        i18n=I18N, max_file_size=MAX_UPLOAD_BYTES, show_error=False,
        app_kwargs={"middleware": [Middleware(ClientAddress)],  # the login check throttles per client address
                    "routes": [export_route(ConversationStore(settings.history_path))]},  # downloads, to owners only
        prevent_thread_lock=not block,
    )
    return app
