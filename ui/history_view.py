"""The conversation list and a saved conversation as the chat shows them:
Arabic strings, HTML (escaped: titles and questions are user input), no Gradio."""

from __future__ import annotations

import time

from rag.history import Conversation

from .render import answer_html, empty_sources_html, esc, sources_html, user_html

LIST_TITLE = "المحادثات"
SEARCH_HINT = "ابحث في المحادثات…"
RENAME_HINT = "عنوان المحادثة"
RENAME = "إعادة التسمية"
DELETE = "حذف المحادثة"
CONFIRM_DELETE = "اضغط مرة أخرى لتأكيد الحذف"
CONFIRM_S = 6.0  # seconds the second click has to confirm a delete
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
