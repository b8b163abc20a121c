"""The Gradio chat: Arabic, right-to-left, streamed answers with checked
citations beside a sources panel; an Articles tab to upload and re-index.

``rag chat`` calls :func:`launch`; tests and embedders can use :func:`build_app`.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # fully local: no telemetry

import gradio as gr  # noqa: E402

from index.errors import QuestionError, RagError  # noqa: E402
from rag.answer import Answer, Checking  # noqa: E402
from rag.history import ConversationStore  # noqa: E402
from rag.notices import LLM_NOT_USED  # noqa: E402
from rag.settings import Settings  # noqa: E402

from .articles import MAX_UPLOAD_BYTES, UploadError, save_upload, status_html  # noqa: E402
from .conversations import Conversations  # noqa: E402
from .backend import (  # noqa: E402
    EXAMPLES, UPLOAD_TYPES, Backend, auth_from_env, build_step, ensure_index, internal_error, user_message,
)
from .render import (  # noqa: E402
    notice_ar,
    answer_html,
    empty_sources_html,
    error_html,
    esc,
    sources_html,
    streaming_html,
    user_html,
)
from .style import CSS, HEAD, JS, theme  # noqa: E402

OK, NO = "✓", "✗"  # in the bundled fonts (emoji are not)


def toast(message) -> str:
    """Gradio renders toast messages as HTML: escape (file names and paths are user input)."""
    return esc(message).replace("\n", "<br>")


def chat_turn(be: Backend, question, messages, history, k=None, mode=None, model=None, on_answer=None):
    """One chat turn: yields (textbox, chat messages, sources panel, history) as the answer streams;
    ``on_answer(question, answer)`` is called with the final answer before it is shown (saving it)."""
    messages, history = list(messages or []), list(history or [])
    question = (question or "").strip()
    if not question:
        gr.Warning("اكتب سؤالاً عن المقالات أولاً.", title="السؤال فارغ")
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return
    before = messages + [{"role": "user", "content": user_html(question)}]
    yield "", before + [{"role": "assistant", "content": streaming_html("")}], gr.skip(), gr.skip()
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
            yield gr.skip(), before + [{"role": "assistant", "content": streaming_html(streamed, checking)}], \
                gr.skip(), gr.skip()
    except Exception as e:  # noqa: BLE001 - a client sees a short message, the server log the details
        msg = user_message(e) if isinstance(e, RagError) else internal_error(e)
        gr.Warning(toast(msg), title="السؤال فارغ" if isinstance(e, QuestionError) else "تعذّرت الإجابة")
        yield gr.skip(), before + [{"role": "assistant", "content": error_html(msg)}], gr.skip(), history
        return
    for notice in final.notices:
        if notice.code in LLM_NOT_USED:  # the detail says what to do (pull, path...)
            gr.Warning(toast(f"{notice_ar(notice)} {notice.detail}".strip()), title="النموذج اللغوي")
    history.append([question, final.text])
    if on_answer is not None:
        on_answer(question, final)
    yield (gr.skip(), before + [{"role": "assistant", "content": answer_html(final)}],
           sources_html(final, be.articles), history)


def ask_api(be: Backend, question: str, mode: str = "", k: int = 0, model: str = "",
            history: list[list[str]] | None = None) -> dict:
    """Answer one question (stateless): the checked answer, its citations and the retrieved passages."""
    try:
        ans = be.assistant(model or None).ask(question, history=[tuple(p) for p in history or []],
                                               mode=mode or None, k=k or None)
    except RagError as e:
        raise gr.Error(user_message(e), print_exception=False) from None
    except Exception as e:  # noqa: BLE001 - never a traceback or a server path to an API client
        raise gr.Error(internal_error(e), print_exception=False) from None
    d = ans.to_dict()
    d["sources_html"] = sources_html(ans, be.articles)
    return d


def upload_files(be: Backend, files) -> tuple[str, str]:
    """Save uploaded files into the corpus folder; (message HTML, index status HTML)."""
    if not files:
        gr.Warning("اختر ملفاً واحداً على الأقل.", title="لا ملفات")
        return gr.skip(), gr.skip()
    ok, lines = 0, []
    for f in files:
        path = Path(str(f))
        try:
            saved = save_upload(path, path.name, be.settings.corpus, MAX_UPLOAD_BYTES)
            ok += 1
            lines.append(f'<li class="rag-ok">{OK} {esc(saved.message)}</li>')
        except (UploadError, OSError) as e:
            lines.append(f'<li class="rag-bad">{NO} {esc(e)}</li>')
            gr.Warning(toast(e), title="رُفض الملف")
    tail = "<p>أُضيفت الملفات إلى مجلد المقالات. اضغط «إعادة بناء الفهرس» ليشملها البحث.</p>" if ok else ""
    return (f'<div class="rag-msg"><ul>{"".join(lines)}</ul>{tail}</div>',
            status_html(be.settings.corpus, be.manifest()))


def rebuild_index(be: Backend, progress=None) -> tuple[str, str, str]:
    """Build the index (incrementally) and swap it into every Assistant."""
    def note(msg, frac):
        if progress is not None:
            progress(frac, desc=build_step(msg))

    try:
        report = be.rebuild(note)
    except RagError as e:
        raise gr.Error(toast(e), title="تعذّر بناء الفهرس", print_exception=False) from None
    summary = (f'<div class="rag-msg"><p class="rag-ok">{OK} تم بناء الفهرس، والمحادثة تستخدمه الآن.</p>'
               f'<pre dir="ltr">{esc(report.summary())}</pre></div>')
    return summary, status_html(be.settings.corpus, be.manifest()), be.info_html()


def refresh_status(be: Backend) -> tuple[str, str]:
    try:
        return status_html(be.settings.corpus, be.manifest()), be.info_html()
    except RagError as e:
        return status_html(be.settings.corpus, None, str(e)), be.info_html()


def build_app(settings: Settings, backend: Backend | None = None) -> gr.Blocks:
    be = backend or Backend(settings)

    convs = Conversations(ConversationStore(settings.history_path), be.articles, wait_s=settings.llm_timeout)

    def respond(question, messages, history, k, mode, model, conv=None, search=None, request: gr.Request = None):
        # conv and search default to None: /chat API clients of before need not send them
        yield from convs.saving(lambda save: chat_turn(be, question, messages, history, k, mode, model, save),
                                question, conv, search, request)

    def ask(question: str, mode: str = "", k: int = 0, model: str = "",
            history: list[list[str]] | None = None) -> dict:
        """Answer one question (stateless): the checked answer, its citations and the retrieved passages."""
        return ask_api(be, question, mode, k, model, history)

    def upload(files):
        return upload_files(be, files)

    def rebuild(progress=gr.Progress()):  # noqa: B008 (Gradio's way to ask for a progress bar)
        return rebuild_index(be, progress)

    def refresh():
        return refresh_status(be)

    s = settings
    with gr.Blocks(title="اسأل المقالات", analytics_enabled=False, fill_width=True) as app:
        with gr.Row(elem_classes="rag-header"):
            gr.HTML('<div class="rag-brand"><h1>اسأل المقالات</h1>'
                    '<p>إجابات من مقالاتك المحلية، كل جملة فيها تشير إلى مقطع يمكنك قراءته — دون إنترنت.</p></div>')
            info = gr.HTML(be.info_html(), elem_classes="rag-info-box")
        with gr.Tabs():
            with gr.Tab("المحادثة", id="chat"):
                with gr.Row(equal_height=False, elem_classes="rag-main"):
                    convs.render()  # saved conversations (ui/conversations.py)
                    with gr.Column(scale=3, min_width=420, elem_classes="rag-chat-col"):
                        chatbot = gr.Chatbot(
                            elem_id="rag-chat", show_label=False, height="58vh", min_height=360,
                            buttons=[], feedback_options=None, latex_delimiters=[], rtl=True,
                            placeholder='<div class="rag-placeholder">اسأل عن الأخبار الموجودة في مقالاتك.<br>'
                                        'ستظهر المصادر التي تستند إليها الإجابة في لوحة المصادر.</div>',
                        )
                        history = gr.State([])
                        with gr.Row(elem_classes="rag-examples"):
                            gr.HTML('<div class="rag-examples-label">جرّب:</div>', elem_classes="rag-ex-label")
                            ex_buttons = [gr.Button(q, size="sm", elem_classes="rag-example",
                                                    elem_id=f"rag-example-{i}") for i, q in enumerate(EXAMPLES)]
                        with gr.Row(elem_classes="rag-input-row"):
                            question = gr.Textbox(show_label=False, placeholder="اكتب سؤالك بالعربية أو الإنجليزية…",
                                                  lines=1, max_lines=4, scale=8, rtl=True, elem_id="rag-question",
                                                  submit_btn=False)  # focused by JS on wide screens only
                            send = gr.Button("إرسال", variant="primary", scale=1, min_width=100, elem_id="rag-send")
                            clear = gr.Button("محادثة جديدة", size="sm", scale=1, min_width=120, elem_id="rag-clear")
                        with gr.Accordion("الإعدادات", open=False, elem_id="rag-settings"):
                            with gr.Row():
                                k = gr.Slider(1, 10, value=max(1, min(10, s.k)), step=1, label="عدد المقاطع المسترجعة")
                                mode = gr.Radio([("تلقائي (حسب النموذج)", "auto"), ("توليدي (نموذج لغوي)", "generative"),
                                                 ("استخراجي (جمل من المقالات)", "extractive")],
                                                value=s.mode, label="طريقة الإجابة", elem_id="rag-mode",
                                                info="تلقائي: يولّد النموذج الإجابة إن كان نموذج تعليمات أو خادماً؛ "
                                                     "أما النموذج المدمج فنموذج أساسي لا يتبع التعليمات، فتُعرض جمل "
                                                     "المقالات نفسها بعد التحقق.")
                            # Only the models the operator offers (`rag models pull`, --llm-model): a
                            # typed path would let any client load model copies and probe the disk.
                            model = gr.Dropdown(be.model_choices(), value=be.default_model, allow_custom_value=False,
                                                label="النموذج اللغوي", elem_id="rag-model")
                    with gr.Column(scale=2, min_width=340, elem_classes="rag-sources-col"):
                        sources = gr.HTML(empty_sources_html(), elem_id="rag-sources", js_on_load=None)
            with gr.Tab("المقالات", id="articles") as articles_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        status = gr.HTML(elem_id="rag-status", js_on_load=None)
                    with gr.Column(scale=2):
                        gr.Markdown("**إضافة مقالات** — ملفات " + "، ".join(f"`{e}`" for e in UPLOAD_TYPES)
                                    + f" حتى {MAX_UPLOAD_BYTES // (1024 * 1024)} ميغابايت للملف. تُحفظ في مجلد "
                                    "المقالات، ثم أعد بناء الفهرس ليشملها البحث.",
                                    elem_classes="rag-md")
                        files = gr.File(file_count="multiple", label="الملفات", elem_id="rag-upload")
                        add = gr.Button("أضف إلى المقالات", elem_id="rag-add")
                        upload_msg = gr.HTML(elem_id="rag-upload-msg", js_on_load=None)
                        rebuild_btn = gr.Button("إعادة بناء الفهرس", variant="primary", elem_id="rag-rebuild")
                        build_msg = gr.HTML(elem_id="rag-build-msg", js_on_load=None)

        chat_in = [question, chatbot, history, k, mode, model, convs.state, convs.search]
        chat_out = [question, chatbot, sources, history, *convs.chat_outputs]
        opts = dict(concurrency_limit=1, concurrency_id="answer", show_progress="minimal")
        # While an answer streams, the inputs are disabled: a second turn started
        # from the same (stale) chat state would overwrite the first answer.
        lock = [question, send, clear, *ex_buttons]
        private = dict(queue=False, api_visibility="private")

        def busy():
            return [gr.update(interactive=False)] * len(lock)

        def idle():
            return [gr.update(interactive=True)] * len(lock)

        send.click(busy, None, lock, **private).then(respond, chat_in, chat_out, api_name="chat", **opts).then(
            idle, None, lock, **private)
        question.submit(busy, None, lock, **private).then(
            respond, chat_in, chat_out, api_visibility="private", **opts).then(idle, None, lock, **private)
        for btn, q in zip(ex_buttons, EXAMPLES):
            btn.click(lambda q=q: [gr.update(value=q, interactive=False), *busy()[1:]], None, lock, **private).then(
                respond, chat_in, chat_out, api_visibility="private", **opts).then(idle, None, lock, **private)
        reset = (lambda: ([], [], empty_sources_html(), ""), None, [chatbot, history, sources, question])
        clear.click(*reset, queue=False, api_visibility="private")
        chatbot.clear(*reset, queue=False, api_visibility="private")  # the chat's own trash button
        convs.wire(app, chatbot, history, sources, [clear.click, chatbot.clear])
        gr.api(ask, api_name="ask", concurrency_limit=1, concurrency_id="answer")
        add.click(upload, files, [upload_msg, status], api_name="upload", concurrency_limit=4).then(
            lambda: None, None, files, queue=False, api_visibility="private")
        rebuild_btn.click(rebuild, None, [build_msg, status, info], api_name="rebuild",
                          concurrency_limit=1, concurrency_id="build")
        # The status reads the whole corpus folder: only when the Articles tab is opened.
        articles_tab.select(refresh, None, [status, info], api_visibility="private", concurrency_limit=None)
        app.load(be.info_html, None, info, api_visibility="private", concurrency_limit=None)
    return app


def launch(settings: Settings, share: bool = False) -> None:
    """Start the chat (building the index first when there is none)."""
    auth = auth_from_env(settings, share)
    ensure_index(settings)
    backend = Backend(settings)
    app = build_app(settings, backend)

    def warm() -> None:
        try:
            backend.assistant().warm()
        except Exception as e:  # noqa: BLE001 - the first question shows it to the user properly
            print(f"warm-up skipped: {e}", file=sys.stderr, flush=True)

    threading.Thread(target=warm, name="warm-up", daemon=True).start()
    app.queue(default_concurrency_limit=1, max_size=64)
    app.launch(
        server_name=settings.host, server_port=settings.port, share=share, auth=auth,
        auth_message="اسأل المقالات — أدخل اسم المستخدم وكلمة المرور" if auth else None,
        theme=theme(), css=CSS, head=HEAD, js=JS, ssr_mode=False, pwa=False, mcp_server=False,
        footer_links=["api"],  # the app has its own settings panel max_file_size=MAX_UPLOAD_BYTES, show_error=False,
    )
