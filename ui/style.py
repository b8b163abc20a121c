"""Theme and CSS: right-to-left Arabic (left-to-right for English browsers),
local fonts only (nothing fetched from the internet)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import gradio as gr

from .conversations import LAYOUT_CSS
from .i18n import t

FONTS = ["Noto Naskh Arabic", "Noto Sans Arabic", "Tahoma", "DejaVu Sans", "sans-serif"]


def theme() -> gr.themes.Base:
    # Plain font names: Gradio only downloads fonts given as GoogleFont objects.
    return gr.themes.Soft(
        primary_hue="teal", secondary_hue="amber", neutral_hue="slate",
        font=FONTS, font_mono=["DejaVu Sans Mono", "monospace"],
    ).set(body_text_size="16px")


HEAD = '<meta name="color-scheme" content="light dark">'

FONT_DIR = Path(__file__).parent / "fonts"  # Noto Arabic woff2, OFL (fonts/OFL.txt)
# Arabic letters, marks, digits and presentation forms; Latin falls through to the next font
ARABIC_RANGE = "U+0600-06FF, U+0750-077F, U+0870-08FF, U+FB50-FDFF, U+FE70-FEFF, U+200C-200F, U+2066-2069"


def font_css() -> str:
    """@font-face rules for the bundled Noto Naskh/Sans Arabic, the fonts inside
    the CSS (data: URLs): the page shows them on any machine (it drew DejaVu Sans
    where no Arabic font was installed), nothing is fetched from the internet,
    and no server path reaches the page.  Sans Bold is left out (buttons use
    the regular weight; a synthetic bold is close): 207 KB of woff2 in all."""
    rules = []
    for family, weight, name in (("Noto Naskh Arabic", 400, "NotoNaskhArabic-Regular"),
                                 ("Noto Naskh Arabic", 700, "NotoNaskhArabic-Bold"),
                                 ("Noto Sans Arabic", 400, "NotoSansArabic-Regular")):
        path = FONT_DIR / f"{name}.woff2"
        if not path.is_file():  # a broken install: the page falls back to the machine's fonts
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{family}"; font-style: normal; font-weight: {weight}; '
                     f'font-display: swap; unicode-range: {ARABIC_RANGE}; '
                     f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}')
    return "\n".join(rules) + "\n"


# Gradio's login page gets neither the app's CSS nor its JS; its message is HTML, so the page's direction and the
# message in the page's language come with it (Gradio sets <html lang> from the browser's locale).
LOGIN_CSS = ('html[lang^="ar"] body, html[lang^="ar"] .wrap, html[lang^="ar"] form '
             '{ direction: rtl; text-align: right; }'
             'html[lang^="ar"] input { direction: rtl; unicode-bidi: plaintext; text-align: right; }'
             'html[lang^="ar"] .rag-login-en, html:not([lang^="ar"]) .rag-login-ar { display: none; }')


def login_message() -> str:
    """The login page's message: its style, then the Arabic and the English text
    (the one of the page's language is shown)."""
    return (f"<style>{LOGIN_CSS}</style><span class=\"rag-login-ar\" dir=\"rtl\" lang=\"ar\">{t('ar', 'login')}</span>"
            f"<span class=\"rag-login-en\" dir=\"ltr\" lang=\"en\">{t('en', 'login')}</span>")

# Gradio's fixed English screen-reader labels, by ui/i18n.py key (its "en" value is Gradio's text)
A11Y_KEYS = ("a11y_chat", "a11y_loading_response", "a11y_loading_content", "a11y_scroll_down", "a11y_more_tabs",
             "a11y_footer", "a11y_reset", "a11y_drop", "a11y_file_upload")
# ... and those that start a label with the component's own (already translated) label
A11Y_PREFIX_KEYS = ("a11y_range_for", "a11y_number_for")

# The page's language is the browser's (as Gradio picks its own widgets' language):
# Arabic lays the whole document out right-to-left, Gradio's widgets included.
JS = """() => {
  const ar = (navigator.language || 'ar').toLowerCase().startsWith('ar');
  const root = document.documentElement;
  root.setAttribute('dir', ar ? 'rtl' : 'ltr'); root.setAttribute('lang', ar ? 'ar' : 'en');
  root.style.setProperty('--rag-dir', ar ? 'rtl' : 'ltr');
  if (!ar) document.title = __TITLE_EN__;
  // Gradio's own toasts (a file over the size limit) have no translation key: say them in Arabic on an Arabic page.
  const TOO_BIG = /^File\\(s\\) exceed the maximum allowed size of ([^:]+):\\s*(.*)$/s;
  const TITLES = {Error: 'خطأ', Warning: 'تنبيه', Info: 'للعلم'};
  // A full queue (RAG_QUEUE_SIZE): Gradio's client says a fixed English sentence, no translation key.
  const BUSY = /^This application is currently busy/;
  // Gradio's screen-reader labels (aria-label, title, hidden text) are English on every page and have no
  // translation key: on an Arabic page each is swapped for ui/i18n.py's Arabic.  A chat bubble's label is
  // "bot's message: " + the message's raw HTML; the bubble's own text is read anyway, so the Arabic label
  // only says whose message it is.
  const A11Y = __A11Y__;
  const A11Y_PREFIX = __A11Y_PREFIX__;  // [English start, Arabic start]: "range slider for <label>"
  const BUBBLE = /^(\\w+)'s message: /s;
  const relabel = (el) => {
    for (const attr of ['aria-label', 'title']) {
      const v = el.getAttribute(attr);
      if (!v) continue;
      const m = attr === 'aria-label' && v.match(BUBBLE);
      const pre = A11Y_PREFIX.find(([en]) => v.startsWith(en));
      const to = m ? (m[1] === 'user' ? __USER_MSG__ : __BOT_MSG__)
        : pre ? pre[1] + v.slice(pre[0].length) : A11Y[v];
      if (to && to !== v) el.setAttribute(attr, to);  // an Arabic label matches neither: no loop
    }
  };
  // The progress line of a queued or running event: "queue: 1/1 | 0.3/10.0s", "<desc> - 10.0%".
  // Text nodes are changed in place: Svelte keeps updating the same nodes (the timer).
  const progress = (el) => {
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const done = n.data.replace(/^queue: (\\d+)\\/(\\d*) \\|/, (m, a, b) => `${__QUEUE__} \u2066${a}/${b}\u2069 |`)
        .replace(/^processing \\|/, `${__RUNNING__} |`)
        .replace(/^(\\s*)([\\d.]+)%$/, '$1\u2066$2%\u2069');
      if (done !== n.data) n.data = done;
    }
  };
  const translate = (root) => {
    if (!ar) return;
    if (root.matches && root.matches('.progress-text, .progress-level-inner')) progress(root);
    if (root.matches && root.matches('[aria-label], [title]')) relabel(root);
    root.querySelectorAll('[aria-label], [title]').forEach(relabel);
    root.querySelectorAll('.sr-only').forEach((el) => {
      const to = A11Y[el.textContent.trim()];
      if (to) el.textContent = to;
    });
    root.querySelectorAll('.progress-text, .progress-level-inner').forEach(progress);
    root.querySelectorAll('[data-testid="toast-text"]').forEach((el) => {
      const m = el.textContent.trim().match(TOO_BIG);
      if (m) el.textContent = __TOO_BIG__.replace('{limit}', '\u2066' + m[1] + '\u2069').replace('{names}', m[2]);
      else if (BUSY.test(el.textContent.trim())) el.textContent = __BUSY__;
    });
    root.querySelectorAll('.toast-title').forEach((el) => {
      const word = el.textContent.trim();
      if (TITLES[word]) el.textContent = TITLES[word];
    });
  };
  new MutationObserver((muts) => {
    for (const mu of muts) {
      if (mu.type === 'attributes') { if (ar) relabel(mu.target); continue; }  // Svelte set a label again
      for (const n of mu.addedNodes) if (n.nodeType === 1) translate(n);
      const host = mu.target.nodeType === 1 ? mu.target : mu.target.parentElement;
      const line = ar && host && host.closest && host.closest('.progress-text, .progress-level-inner');
      if (line) progress(line);
    }
    // The turn started: the "queued" note has done its job.
    if (document.querySelector('#rag-chat .rag-streaming')) {
      const q = document.querySelector('#rag-queue .rag-queue'); if (q) q.remove();
    }
    const answers = document.querySelectorAll('#rag-chat .rag-ans');
    answers.forEach((a, i) => a.classList.toggle('rag-latest', i === answers.length - 1));
  }).observe(document.body, {childList: true, subtree: true, characterData: true,
                              attributes: ar, attributeFilter: ar ? ['aria-label', 'title'] : undefined});
  translate(document.body);  // what Gradio drew before this ran (the footer, the tabs)
  // Focus the question box on wide screens only: on a phone, focusing scrolled the page past its header.
  const focusBox = () => {
    const box = document.querySelector('#rag-question textarea');
    if (!box) return setTimeout(focusBox, 200);
    if (window.matchMedia('(min-width: 900px)').matches) box.focus({preventScroll: true});
  };
  focusBox();
  // A citation badge brings its source card into view.  The panel shows the latest answer's sources; a badge
  // of an older answer first asks the server for that answer's stored sources (ui/conversations.py).
  const flash = (n) => {
    const card = document.querySelector('#rag-sources .rag-src[data-n="' + n + '"]');
    if (!card) return false;
    const fold = card.closest('details'); if (fold) fold.open = true;
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
    card.classList.add('rag-flash'); setTimeout(() => card.classList.remove('rag-flash'), 1800);
    return true;
  };
  document.addEventListener('click', (ev) => {
    const b = ev.target.closest && ev.target.closest('#rag-chat sup.rag-cite');
    if (!b) return;
    // saved answers only, in the order stored (a failed turn is not saved)
    const answers = [...document.querySelectorAll('#rag-chat .rag-ans:not(.rag-error):not(.rag-streaming)')];
    const i = answers.findIndex((a) => a.contains(b));
    if (i < 0) return;
    const n = b.dataset.n || b.textContent.replace(/[^0-9]/g, '');  // the chat's sanitiser drops data-*
    const marked = document.querySelector('#rag-sources [data-turn]');
    const shown = marked ? Number(marked.dataset.turn) : answers.length - 1;
    if (shown === i) { flash(n); return; }
    const pick = document.querySelector('#rag-turn-pick textarea, #rag-turn-pick input');
    if (!pick) return;
    pick.value = i + ':' + Date.now();
    pick.dispatchEvent(new Event('input', {bubbles: true}));
    const t0 = Date.now();
    const wait = () => {
      if (document.querySelector('#rag-sources [data-turn="' + i + '"]')) flash(n);
      else if (Date.now() - t0 < 8000) setTimeout(wait, 100);
    };
    wait();
  });
}""".replace("__A11Y__", json.dumps({t("en", k): t("ar", k) for k in A11Y_KEYS}, ensure_ascii=False)).replace(
    "__A11Y_PREFIX__", json.dumps([[t("en", k), t("ar", k)] for k in A11Y_PREFIX_KEYS], ensure_ascii=False)).replace(
    "__USER_MSG__", json.dumps(t("ar", "a11y_user_msg"))).replace(
    "__BOT_MSG__", json.dumps(t("ar", "a11y_bot_msg"))).replace(
    "__TOO_BIG__", json.dumps(t("ar", "too_big_upload"))).replace(
    "__BUSY__", json.dumps(t("ar", "queue_full"))).replace(
    "__TITLE_EN__", json.dumps(t("en", "title"))).replace(
    "__QUEUE__", json.dumps(t("ar", "in_queue"))).replace("__RUNNING__", json.dumps(t("ar", "running")))

CSS = """
:root { --rag-dir: rtl; }
:root { --rag-accent: #0f766e; --rag-warn: #b45309; --rag-hl: rgba(250, 204, 21, .38);
        --rag-ctx: rgba(20, 184, 166, .16); --rag-muted: var(--body-text-color-subdued); }
.dark { --rag-accent: #5eead4; --rag-warn: #fbbf24; --rag-hl: rgba(250, 204, 21, .28); \
--rag-ctx: rgba(45, 212, 191, .18); }
.gradio-container { direction: var(--rag-dir); \
font-family: "Noto Naskh Arabic", "Noto Sans Arabic", Tahoma, sans-serif; }
.gradio-container .prose, .gradio-container input, .gradio-container textarea, .gradio-container button,
.gradio-container label { font-family: "Noto Sans Arabic", "Noto Naskh Arabic", Tahoma, sans-serif; }

/* Gradio's HTML/Markdown blocks default to left-to-right */
.gradio-container [data-testid="block-info"], .gradio-container label { direction: var(--rag-dir); \
unicode-bidi: plaintext; }
.rag-brand, .rag-info, .rag-examples-label, .rag-sources, .rag-status, .rag-md, .rag-msg { direction: var(--rag-dir); \
text-align: start; }
.rag-msg ul { list-style: none; padding: 0; margin: 4px 0; } .rag-msg li { padding: 2px 0; }
.rag-msg .rag-bad { color: #dc2626; } .rag-msg ul.rag-build { font-size: .85rem; color: var(--rag-muted); }
.rag-msg ul.rag-build li { unicode-bidi: plaintext; }
.rag-msg pre { white-space: pre-wrap; font-size: .8rem; max-height: 240px; overflow: auto; }

/* header */
.rag-header { align-items: center; gap: 12px; padding: 4px 2px 0; }
.rag-brand h1 { font-size: 1.7rem; margin: 0; color: var(--rag-accent); \
font-family: "Noto Kufi Arabic", "Noto Sans Arabic", sans-serif; }
.rag-brand p { margin: 2px 0 0; color: var(--rag-muted); font-size: .95rem; }
.rag-info { display: flex; flex-wrap: wrap; gap: 6px 16px; justify-content: flex-end; font-size: .85rem; \
color: var(--rag-muted); }
.rag-info span { background: var(--block-background-fill); border: 1px solid var(--border-color-primary);
                 border-radius: 999px; padding: 3px 12px; }

/* chat messages: real RTL, each paragraph's direction from its own text (mixed Arabic/English) */
#rag-chat .message, #rag-chat .message-content, #rag-chat .prose, .rag-ans, .rag-q {
  direction: var(--rag-dir); unicode-bidi: plaintext; text-align: start; }
#rag-chat .prose p, #rag-chat .rag-q, #rag-chat .rag-meta > div, #rag-chat .rag-meta li { unicode-bidi: plaintext; \
text-align: start; }
/* An answer's base direction is its majority script; each sentence keeps its own direction inside it. */
.rag-body.rag-rtl { direction: rtl; unicode-bidi: isolate; text-align: start; }
.rag-body.rag-ltr { direction: ltr; unicode-bidi: isolate; text-align: start; }
.rag-body .rag-part { unicode-bidi: isolate; }
#rag-chat .icon-button-wrapper.top-panel { right: auto !important; left: 6px !important; }
.rag-ans, .rag-q { line-height: 1.95; font-size: 1.05rem; \
font-family: "Noto Naskh Arabic", "Noto Sans Arabic", Tahoma, sans-serif; }
.rag-placeholder { text-align: center; color: var(--rag-muted); line-height: 2; font-size: 1.05rem; }
sup.rag-cite { display: inline-block; vertical-align: super; font-size: .68em; line-height: 1; font-weight: 700;
  min-width: 1.45em; padding: .18em .38em; margin: 0; margin-inline-start: .12em; border-radius: 999px; \
text-align: center;
  color: #fff; background: var(--rag-accent); font-family: "DejaVu Sans", sans-serif; cursor: help; }
.dark sup.rag-cite { color: #042f2e; }
.rag-nw { white-space: nowrap; }
/* the Naskh full stop draws its dot at the far side of its advance: pulled to the badge it follows */
.rag-punct { margin-inline-start: -.22em; }
/* every badge leads to its source card: an older answer's to its own stored sources (ui/conversations.py) */
.rag-ans sup.rag-cite { cursor: pointer; }
.rag-src.rag-flash { outline: 3px solid var(--rag-accent); outline-offset: 2px; transition: outline-color .3s; }
.rag-br { font-size: 0; }  /* brackets stay in the text (copy, screen readers) but not on screen */
.rag-unsupported { text-decoration: underline dotted var(--rag-warn) 2px; text-underline-offset: 6px;
  background: rgba(245, 158, 11, .10); border-radius: 4px; cursor: help; }
.rag-flag { font-size: .72em; color: var(--rag-warn); margin-inline-start: .4em; white-space: nowrap; }
.rag-flag::before { content: "⚠ "; }
.rag-abstain { border-inline-start: 4px solid var(--rag-warn); padding-inline-start: 12px; }
.rag-abstain .rag-label, .rag-error .rag-label { color: var(--rag-warn); font-weight: 700; }
.rag-error { border-inline-start: 4px solid #dc2626; padding-inline-start: 12px; }
.rag-error .rag-label { color: #dc2626; }
.rag-hint { color: var(--rag-muted); font-size: .88rem; }
.rag-meta { margin-top: 8px; font-size: .8rem; color: var(--rag-muted); line-height: 1.6; }
.rag-meta ul.rag-notices { margin: 2px 0; padding: 0; list-style: none; }
/* an "i" in a circle drawn with CSS: the ⓘ glyph is in none of the bundled fonts (it showed as a box) */
.rag-meta ul.rag-notices li::before { content: "i"; display: inline-block; width: 1.15em; height: 1.15em; \
line-height: 1.1em;
  margin-inline-end: .4em; border: 1px solid currentColor; border-radius: 50%; text-align: center; font-size: .85em;
  font-style: italic; font-family: "DejaVu Serif", serif; }
.rag-query bdi { font-style: italic; }
.rag-detail { font-family: "DejaVu Sans", sans-serif; font-size: .92em; opacity: .9; }
.rag-foot { opacity: .8; }
.rag-cursor::after { content: "▍"; animation: rag-blink 1s steps(2) infinite; color: var(--rag-accent); }
.rag-thinking { color: var(--rag-muted); }
.rag-checking { color: var(--rag-muted); font-size: 0.9em; font-style: italic; }
@keyframes rag-blink { 50% { opacity: 0; } }

/* input and examples */
.rag-input-row { align-items: stretch; }
/* the question's direction follows what is typed (Arabic in an English page too); the placeholder the page's */
#rag-question textarea { font-size: 1.05rem; direction: var(--rag-dir); unicode-bidi: plaintext; text-align: start; }
/* one-line boxes are <input>s: in the page's direction too, so an Arabic title shows its start (it showed its end) */
#rag-conv-search textarea, #rag-conv-title textarea, #rag-conv-search input, #rag-conv-title input { \
direction: var(--rag-dir); unicode-bidi: plaintext; text-align: start; }
.rag-examples-label { color: var(--rag-muted); font-size: .9rem; white-space: nowrap; }
.rag-examples { flex-wrap: wrap; gap: 8px; align-items: center; }
.rag-examples .rag-ex-label { flex: 0 0 auto !important; min-width: 0 !important; width: auto !important; }
.rag-examples button.rag-example { flex: 0 1 auto !important; min-width: 0 !important; width: auto; \
border-radius: 999px;
  font-weight: 500; padding: 6px 14px; unicode-bidi: plaintext; }

/* sources panel */
/* !important: Gradio's block sets overflow visible inline, so a long panel ran on over what follows it
   (on a phone, 600 px of cards drawn over the conversation list) */
#rag-sources { max-height: calc(58vh + 170px); overflow-y: auto !important; }
.rag-sources { direction: var(--rag-dir); text-align: start; font-size: .93rem; line-height: 1.85; \
padding: 2px 6px 8px; }
.rag-sources-title { font-weight: 700; font-size: 1.15rem; color: var(--rag-accent); margin-bottom: 2px; }
.rag-sources-note { color: var(--rag-muted); font-size: .85rem; margin-bottom: 8px; }
.rag-abstain-note { color: var(--rag-warn); font-weight: 600; }
.rag-empty { color: var(--rag-muted); border: 1px dashed var(--border-color-primary); border-radius: 10px; \
padding: 16px; }
.rag-src { border: 1px solid var(--border-color-primary); border-radius: 12px; padding: 10px 12px; margin: 8px 0;
  background: var(--block-background-fill); }
.rag-src-cited { border-inline-start: 4px solid var(--rag-accent); }
.rag-src-head { display: flex; gap: 8px; align-items: baseline; font-weight: 700; }
.rag-num { flex: none; display: inline-block; min-width: 1.7em; text-align: center; border-radius: 999px;
  background: var(--rag-accent); color: #fff; font-size: .8rem; padding: 0 .4em; \
font-family: "DejaVu Sans", sans-serif; }
.dark .rag-num { color: #042f2e; }
.rag-src:not(.rag-src-cited) .rag-num { background: var(--neutral-400); }
.rag-title { unicode-bidi: plaintext; }
.rag-src-meta { font-size: .78rem; color: var(--rag-muted); margin: 2px 0 6px; }
/* a file name is a name in its own script: «ابن خلدون.pdf» read right to left (it showed «ا بن خلدون.pdf», the
   extension first, in monospace); the element says dir="auto", the isolate keeps it apart from the text around it */
.rag-file { font-size: .8rem; unicode-bidi: isolate; }
.rag-inferred { color: var(--rag-warn); }
.rag-src-text { unicode-bidi: plaintext; white-space: normal; }
mark.rag-hl { background: var(--rag-hl); color: inherit; border-radius: 3px; padding: 0 2px; }
details.rag-context { margin-top: 6px; }
details.rag-context > summary, details.rag-uncited > summary { cursor: pointer; color: var(--rag-accent); \
font-size: .85rem; }
.rag-ctx-body { margin-top: 6px; padding: 8px 10px; border-radius: 8px; background: var(--background-fill-secondary);
  font-size: .88rem; color: var(--body-text-color); max-height: 320px; overflow-y: auto; unicode-bidi: plaintext; }
mark.rag-ctx-passage { background: var(--rag-ctx); color: inherit; border-radius: 3px; }
details.rag-uncited { margin-top: 12px; }
details.rag-uncited .rag-src { opacity: .9; }

/* articles tab */
.rag-status { direction: var(--rag-dir); line-height: 1.9; }
.rag-kv { display: grid; grid-template-columns: max-content auto; gap: 2px 24px; margin: 10px 0; }
.rag-k { font-weight: 600; color: var(--rag-muted); }
.rag-v { justify-self: start; }
.rag-status-ok { color: #15803d; font-weight: 700; }
.rag-status-warn { color: var(--rag-warn); font-weight: 700; }
.rag-status-bad { color: #dc2626; font-weight: 700; }
.rag-folder { font-size: .85rem; color: var(--rag-muted); }
ul.rag-articles { list-style: none; padding: 0; margin: 10px 0 0; }
ul.rag-articles li { display: flex; gap: 12px; align-items: baseline; padding: 6px 0; \
border-bottom: 1px solid var(--border-color-primary); }
.rag-art-title { flex: 1; unicode-bidi: plaintext; }
.rag-art-state { font-size: .8rem; color: #15803d; white-space: nowrap; }
.rag-art-new .rag-art-state, .rag-art-skip .rag-art-state { color: var(--rag-warn); }
.rag-md, .rag-msg { direction: var(--rag-dir); text-align: start; }
.rag-msg ul { list-style: none; padding: 0; margin: 4px 0; } .rag-msg li { padding: 2px 0; }
.rag-msg .rag-bad { color: #dc2626; } .rag-msg ul.rag-build { font-size: .85rem; color: var(--rag-muted); }
.rag-msg ul.rag-build li { unicode-bidi: plaintext; }
.rag-msg pre { white-space: pre-wrap; font-size: .8rem; max-height: 240px; overflow: auto; }
.rag-md pre, .rag-md code { direction: ltr; text-align: left; unicode-bidi: isolate; }
#rag-queue:empty { display: none; }
/* the upload box's file names and sizes are left-to-right data: festival.txt showed as «txt.festival», \
194.0 B as «B 194.0» */
#rag-upload td.filename, #rag-upload td.download a { direction: ltr; unicode-bidi: isolate; }
:root[dir="rtl"] #rag-upload td.filename { text-align: right; }
/* its upload/clear icons sat in the corner where an RTL label starts, over «الملفات»: the other corner */
:root[dir="rtl"] #rag-upload .icon-button-wrapper.top-panel { right: auto !important; left: 6px !important; }
/* Gradio's progress line and bar inside its (left-to-right) blocks: in the page's direction, in the page's font */
.progress-text, .meta-text, .meta-text-center, .progress-level-inner { direction: var(--rag-dir); \
unicode-bidi: plaintext;
  font-family: "Noto Sans Arabic", "DejaVu Sans", sans-serif !important; }
:root[dir="rtl"] .progress-level, :root[dir="rtl"] .progress-level-inner { direction: rtl; }
.rag-queue { color: var(--rag-warn); font-size: .9rem; padding: 2px 4px; direction: var(--rag-dir); text-align: start; }
/* Gradio marks every block dir="ltr" (its rtl options are per component): on an Arabic page the blocks
   (accordion headers, radio help text, headings) follow the page; content that must read LTR says so itself */
:root[dir="rtl"] .gradio-container .block[dir="ltr"] { direction: rtl; }
:root[dir="rtl"] .gradio-container input[type="radio"] { margin-inline-end: .45em; }
/* model names are Latin: the dropdown's field stays left to right, clear of its chevron */
:root[dir="rtl"] #rag-model .wrap { direction: ltr; }
/* a phone: the buttons go under the question box, which keeps its full width */
@media (max-width: 640px) { .rag-input-row { flex-wrap: wrap; } .rag-input-row > :first-child { \
flex: 1 1 100% !important; } }
/* a phone: the header's facts under the title; an article's file and state under its title */
@media (max-width: 640px) {
  /* the question box on the first screen: a shorter chat, the examples in one scrolling row */
  /* 24vh: four example questions of the length of «ما البلد الذي زاره بوتين في آسيا الوسطى؟» wrap to four
     rows on a 390 px screen and pushed the send button 100 px below it at 32vh */
  #rag-chat { height: 24vh !important; min-height: 180px !important; }
  .rag-examples { flex-wrap: nowrap !important; overflow-x: auto; }
  .rag-examples button.rag-example { flex: 0 0 auto !important; white-space: nowrap; }
  .rag-header { flex-direction: column !important; align-items: stretch !important; }
  .rag-header > * { width: 100% !important; min-width: 0 !important; }
  .rag-info { justify-content: flex-start; } .rag-info span { border-radius: 12px; }
  ul.rag-articles li { flex-wrap: wrap; gap: 0 12px; } .rag-art-title { flex: 1 1 100%; }
}
"""
CSS += """
/* toasts: at the bottom, the newest few, never a pile over the header (eight refused uploads covered it) */
.toast-wrap { top: auto !important; bottom: 12px !important; max-height: 45vh; overflow: hidden; }
@media (max-width: 640px) {
  .toast-wrap { left: 8px !important; right: 8px !important; width: auto !important; }
  /* 400 px: the model's pill breaks inside a name no more; the example questions wrap, each whole on screen */
  .rag-info span { max-width: 100%; overflow-wrap: anywhere; white-space: normal; }
  .rag-info { font-size: .78rem; gap: 4px 10px; }
  .rag-info bdi { white-space: nowrap; }
  .rag-examples { flex-wrap: wrap !important; overflow-x: visible; gap: 6px; }
  .rag-examples button.rag-example { flex: 0 1 auto !important; max-width: 100%; white-space: normal !important;
    font-size: .88rem; padding: 4px 10px; text-align: start; }
}
"""
CSS += LAYOUT_CSS + "\n"
CSS = font_css() + CSS
