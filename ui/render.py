"""HTML for the chat: answers with citation badges, unsupported sentences,
abstentions, and the sources panel.  Pure functions, no Gradio.

Everything that comes from an article, the model or the user is escaped here:
articles are untrusted input.
"""

from __future__ import annotations

import html
import re
from typing import Callable, Iterable

from index.arabic import split_sentences
from rag.cite import parse_markers, strip_markers, support_score
from rag.notices import Code, Notice  # noqa: F401 - Code: the doctests

from rag.plural import count

from .i18n import notice_text, t

CONTEXT_CHARS = 420  # article text shown on each side of a passage


def notice_ar(notice: Notice) -> str:
    """A notice in Arabic, without its detail.

    >>> notice_ar(Notice(Code.QUESTION_TRUNCATED, 2000, 1000))
    'السؤال طويل (2000 حرف)؛ استُخدم أوله وآخره (1000 حرف) وحُذف ما بينهما.'
    """
    return notice_text("ar", notice)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _lines(escaped: str) -> str:
    """Newlines as <br>: the chat renders Markdown, and a blank line would end
    our HTML block, so the whole answer stays one block."""
    return re.sub(r"\n+", "<br>", escaped.strip("\n"))


def notice_html(notice: Notice, lang: str = "ar") -> str:
    """A notice for the user in Arabic; its English detail (a command to run, a
    path they gave) stays visible, isolated from the Arabic.

    >>> print(notice_html(Notice(Code.LLM_UNAVAILABLE, detail='Run `rag models pull x`.')))
    <li class="rag-notice-llm_unavailable">النموذج اللغوي غير متاح؛ عُرضت جمل مستخرجة من المقالات بدلاً منه. <bdi class="rag-detail">Run `rag models pull x`.</bdi></li>
    """  # noqa: E501 - a doctest's output line cannot be wrapped
    extra = f' <bdi class="rag-detail">{esc(notice.detail)}</bdi>' if notice.detail else ""
    # The English original as a tooltip on English pages only: screen readers read titles, and an
    # Arabic page must not speak English (the visible text says it all, its detail included).
    title = f' title="{esc(notice.english())}"' if lang == "en" else ""
    # a class, not data-*: the chat's sanitiser drops data attributes
    return (f'<li class="rag-notice-{esc(notice.code.value)}"{title}>'
            f'{esc(notice_text(lang, notice))}{extra}</li>')


def badge(n: int, title: str = "", lang: str = "ar") -> str:
    tip = esc(t(lang, "source_n_title", n=n, title=title) if title else t(lang, "source_n", n=n))
    return (f'<sup class="rag-cite" data-n="{n}" title="{tip}"><span class="rag-br">[</span>{n}'
            f'<span class="rag-br">]</span></sup>')


def text_with_badges(text: str, titles: dict[int, str] | None = None, lang: str = "ar") -> str:
    """Escape ``text`` and turn each [n] marker into a badge, kept on one line
    with the word before it and the punctuation after it (a full stop must
    not wrap alone to the next line).

    >>> text_with_badges('a <b> [1, 2].')
    'a <span class="rag-nw">&lt;b&gt;<sup class="rag-cite" data-n="1" title="المصدر 1"><span class="rag-br">[</span>1<span class="rag-br">]</span></sup><sup class="rag-cite" data-n="2" title="المصدر 2"><span class="rag-br">[</span>2<span class="rag-br">]</span></sup><span class="rag-punct">.</span></span>'
    """  # noqa: E501 - a doctest's output line cannot be wrapped
    titles = titles or {}
    out, pos = [], 0
    for s, e, nums in parse_markers(text):
        before = text[pos:s].rstrip(" ")  # the badge sits on the word it follows
        head, _, last = before.rpartition(" ")
        punct = re.match(r"[.،,؛;:؟?!]*", text[e:]).group(0)
        out.append(esc(head + " " if head or _ else ""))
        out.append('<span class="rag-nw">' + esc(last) + "".join(badge(n, titles.get(n, ""), lang) for n in nums)
                   + (f'<span class="rag-punct">{esc(punct)}</span>' if punct else "") + "</span>")
        pos = e + len(punct)
    out.append(esc(text[pos:]))
    return "".join(out)


def streaming_html(text: str, checking: bool = False, lang: str = "ar") -> str:
    """The answer while it arrives: the sentences that passed the check
    (escaped, markers as badges), then a cursor, or a "checking" label while
    the model writes a sentence that is shown only once checked.

    >>> 'rag-checking' in streaming_html('غاب بوتين [1].', checking=True)
    True
    """
    body = _lines(text_with_badges(text, lang=lang)) if text.strip() else ""
    if checking:
        body += f' <span class="rag-checking">{t(lang, "checking")}</span>'
    elif not body:
        body = f'<span class="rag-thinking">{t(lang, "searching")}</span>'
    return f'<div class="rag-ans rag-streaming">{body}<span class="rag-cursor"></span></div>'


def user_html(question: str) -> str:
    return f'<div class="rag-q">{_lines(esc(question))}</div>'


def error_html(message: str, lang: str = "ar") -> str:
    return (f'<div class="rag-ans rag-error"><div class="rag-label">{t(lang, "failed_title")}</div>'
            f'<div>{_lines(esc(message))}</div></div>')


def _segments(text: str) -> list[tuple[int, int]]:
    """Sentence spans of the answer, covering markers that trail a sentence."""
    spans = split_sentences(text)
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _split_lead(sentence: str) -> list[str]:
    """Split a lead-in like 'From the Arabic articles: ' off a sentence in the
    other script, so each part is laid out in its own direction.

    >>> _split_lead('From the Arabic articles: لم يحضر بوتين القمة [1].')
    ['From the Arabic articles:', 'لم يحضر بوتين القمة [1].']
    >>> _split_lead('قال بوتين: سنحضر.')
    ['قال بوتين: سنحضر.']
    """
    m = re.match(r"([^:：]{1,80}[:：]\s*)(\S.*)", sentence, re.S)
    if m and direction(m[1]) != direction(m[2]) and any(ch.isalpha() for ch in m[1]):
        return [m[1].strip(), m[2]]
    return [sentence]


def answer_html(ans, lang: str = "ar") -> str:
    """The final chat bubble for a ``rag.answer.Answer``."""
    titles = {c.n: c.title for c in ans.citations}
    if ans.abstained:
        body = (f'<div class="rag-label">⚠ {t(lang, "abstain")}</div>'
                f'<div>{_lines(esc(ans.text))}</div>'
                f'<div class="rag-hint">{t(lang, "abstain_hint")}</div>')
        cls = "rag-ans rag-abstain"
    else:
        checks = list(ans.sentences)
        used = [False] * len(checks)
        parts, pos = [], 0
        for s, e in _segments(ans.text):
            parts.append(_lines(esc(ans.text[pos:s])) if "\n" in ans.text[pos:s] else esc(ans.text[pos:s]))
            sent = ans.text[s:e]
            plain = strip_markers(sent)
            check = None
            for i, c in enumerate(checks):
                if not used[i] and c.text == plain:
                    used[i], check = True, c
                    break
            # Each part in its own direction, isolated: «From the Arabic articles:» keeps its
            # colon at its end inside an Arabic answer.
            inner = " ".join(f'<span class="rag-part" dir="{direction(part)}">'
                             f'{_lines(text_with_badges(part, titles, lang))}</span>' for part in _split_lead(sent))
            if check is not None and not check.supported:
                tip = t(lang, "unsupported")
                parts.append(f'<span class="rag-sent rag-unsupported" title="{tip}">{inner}'
                             f'<span class="rag-flag">{tip}</span></span>')
            else:
                parts.append(f'<span class="rag-sent">{inner}</span>')
            pos = e
        parts.append(esc(ans.text[pos:]))
        body = "".join(parts)
        cls = "rag-ans"
    meta = []
    if ans.query and ans.query != ans.question:
        meta.append(f'<div class="rag-query">{t(lang, "searched_for")} <bdi>{esc(ans.query)}</bdi></div>')
    if ans.notices:
        meta.append('<ul class="rag-notices">' + "".join(notice_html(n, lang) for n in ans.notices) + "</ul>")
    meta.append(f'<div class="rag-foot">{esc(footer(ans, lang))}</div>')
    return (f'<div class="{cls}"><div class="rag-body rag-{direction(ans.text)}">{body}</div>'
            f'<div class="rag-meta">{"".join(meta)}</div></div>')


def direction(text: str) -> str:
    """'rtl' when most letters are Arabic-script, else 'ltr'.

    >>> direction('From the articles: لم يحضر بوتين قمة بريكس'), direction('Putin skipped BRICS [1].')
    ('rtl', 'ltr')
    """
    rtl = sum(1 for ch in text if "\u0590" <= ch <= "\u08ff" or "\ufb1d" <= ch <= "\ufefc")
    ltr = sum(1 for ch in text if ch.isalpha()) - rtl
    return "rtl" if rtl >= ltr else "ltr"


def footer(ans, lang: str = "ar") -> str:
    """The answer's footer: how it was made and in how long.

    >>> from types import SimpleNamespace as N
    >>> footer(N(mode='extractive', why_mode='base_model', model='extractive', timings={'total': 0.06}))
    'استخراجي (النموذج المدمج نموذج أساسي لا يتبع التعليمات، فالإجابة جمل المقالات نفسها بعد التحقق) · 0.1 ث'
    """
    mode = t(lang, "generative" if ans.mode == "generative" else "extractive")
    why_mode = getattr(ans, "why_mode", "")
    why = t(lang, f"why_{why_mode}") if why_mode in ("base_model", "llm_unavailable") else ""
    if why and ans.mode == "extractive":
        mode += f" ({why})"
    total = ans.timings.get("total")
    bits = [mode]
    if ans.mode == "generative" and ans.model:
        bits.append(ans.model)
    if total is not None:
        bits.append(t(lang, "seconds", s=total))
    return " · ".join(bits)


# ---------------------------------------------------------------- sources panel
def cited_spans(passage_text: str, answer_sentences: Iterable[str]) -> set[tuple[int, int]]:
    """Sentences of the passage that the answer sentences overlap with most:
    for answers stored before the checker recorded its evidence spans
    (rag/cite.py SentenceCheck.spans) and without its evidence text.

    >>> p = 'زار بوتين قرغيزستان. وغاب عن قمة بريكس في جنوب أفريقيا. الطقس حار.'
    >>> [p[s:e] for s, e in sorted(cited_spans(p, ['غاب بوتين عن قمة بريكس']))]
    ['وغاب عن قمة بريكس في جنوب أفريقيا.']
    """
    spans = [(s, e) for s, e in split_sentences(passage_text) if passage_text[s:e].strip()]
    marked: set[tuple[int, int]] = set()
    for sent in answer_sentences:
        scored = [(support_score(sent, passage_text[s:e]), (s, e)) for s, e in spans]
        if not scored:
            continue
        best = max(sc for sc, _ in scored)
        if best > 0:
            marked.update(span for sc, span in scored if sc >= best - 1e-9)
    return marked


def evidence_spans(passage_text: str, evidence: Iterable[str]) -> set[tuple[int, int]]:
    """Where in the passage the checker's accepted evidence sentences are, found
    by their text: for answers stored before the checker recorded the spans.

    >>> p = 'زار بوتين قرغيزستان. وغاب عن قمة بريكس في جنوب أفريقيا. الطقس حار.'
    >>> [p[s:e] for s, e in sorted(evidence_spans(p, ['وغاب عن قمة بريكس في جنوب أفريقيا.', 'ليس هنا']))]
    ['وغاب عن قمة بريكس في جنوب أفريقيا.']
    """
    spans: set[tuple[int, int]] = set()
    for ev in evidence:
        ev = ev.strip()
        i = passage_text.find(ev) if ev else -1
        if i >= 0:
            spans.add((i, i + len(ev)))
    return spans


def highlights(ans) -> dict[int, set[tuple[int, int]]]:
    """Per passage number, the spans of its text to highlight: exactly the
    evidence the checker accepted (``SentenceCheck.spans``).  An answer stored
    before the spans were recorded (``spans`` None) is highlighted as it was
    then: its evidence text found in the passage, else the passage sentences
    its sentences overlap with most, else the whole passage.

    >>> from types import SimpleNamespace as N
    >>> highlights(N(sentences=[N(spans=((2, 5, 9),)), N(spans=())]))
    {2: {(5, 9)}}
    """
    out: dict[int, set[tuple[int, int]]] = {}
    if all(c.spans is not None for c in ans.sentences):
        for c in ans.sentences:
            for n, a, b in c.spans:
                out.setdefault(n, set()).add((a, b))
        return out
    by_n = {p.n: p for p in ans.passages}
    for n in {n for c in ans.sentences for n in c.cited if n in by_n}:
        text = by_n[n].text
        out[n] = (evidence_spans(text, [c.evidence for c in ans.sentences if n in c.cited and c.evidence])
                  or cited_spans(text, [c.text for c in ans.sentences if n in c.cited]) or {(0, len(text))})
    return out


def _highlighted(text: str, spans: set[tuple[int, int]]) -> str:
    out, pos = [], 0
    for s, e in sorted(spans):
        if s < pos:
            continue
        out.append(esc(text[pos:s]))
        out.append(f'<mark class="rag-hl">{esc(text[s:e])}</mark>')
        pos = e
    out.append(esc(text[pos:]))
    return _lines("".join(out))


def context_html(article_text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> str:
    """The passage inside its article: some text before and after, passage marked."""
    a = max(0, start - chars)
    b = min(len(article_text), end + chars)
    if a > 0:  # start at a word boundary
        sp = article_text.find(" ", a, start)
        a = sp + 1 if sp != -1 else a
    if b < len(article_text):
        sp = article_text.rfind(" ", end, b)
        b = sp if sp != -1 else b
    before = ("… " if a > 0 else "") + article_text[a:start]
    after = article_text[end:b] + (" …" if b < len(article_text) else "")
    def br(t: str) -> str:  # keep the line breaks at the passage's edges
        return re.sub(r"\n+", "<br>", esc(t))

    return br(before) + f'<mark class="rag-ctx-passage">{br(article_text[start:end])}</mark>' + br(after)


ArticleText = Callable[[object], "str | None"]  # passage -> full article text (or None)


def _card(p, article_text: ArticleText | None, cited: bool, inferred: bool,
          spans: set[tuple[int, int]] = frozenset(), lang: str = "ar") -> str:
    # the tooltip is read by screen readers too: in the reader's language
    # The fused retrieval score (about 0.18 for every passage) tells a reader nothing: the card
    # shows the passage's rank, the raw scores stay in the tooltip (issue 23 item 12).
    tip = t(lang, "score_fused", s=p.score)
    if p.dense is not None:
        tip += " · " + t(lang, "score_dense", s=p.dense)
    if p.bm25 is not None:
        tip += " · " + t(lang, "score_bm25", s=p.bm25)
    meta = [f'<bdi class="rag-file" dir="auto">{esc(p.source)}</bdi>',
            f'<span class="rag-rank" title="{esc(tip)}">{t(lang, "rank", n=p.n)}</span>']
    if inferred:
        meta.append(f'<span class="rag-inferred" title="{t(lang, "inferred_tip")}">{t(lang, "inferred")}</span>')
    ctx = ""
    full = article_text(p) if article_text else None
    if full is not None:
        ctx = (f'<details class="rag-context"><summary>{t(lang, "context")}</summary>'
               f'<div class="rag-ctx-body">{context_html(full, p.start, p.end)}</div></details>')
    cls = "rag-src rag-src-cited" if cited else "rag-src"
    return (f'<div class="{cls}" data-n="{p.n}">'
            f'<div class="rag-src-head"><span class="rag-num">{p.n}</span>'
            f'<span class="rag-title">{esc(p.title)}</span></div>'
            f'<div class="rag-src-meta">{" · ".join(meta)}</div>'
            f'<div class="rag-src-text">{_highlighted(p.text, spans)}</div>{ctx}</div>')


def sources_html(ans, article_text: ArticleText | None = None, lang: str = "ar") -> str:
    """The sources panel for the last answer."""
    if ans is None:
        return empty_sources_html(lang)
    head = f'<div class="rag-sources-title">{t(lang, "sources")}</div>'
    if not ans.passages:
        return f'<div class="rag-sources">{head}<div class="rag-empty">{t(lang, "no_passages")}</div></div>'
    by_n = {p.n: p for p in ans.passages}
    if ans.abstained:
        cards = "".join(_card(p, article_text, False, False, lang=lang) for p in ans.passages)
        return (f'<div class="rag-sources">{head}<div class="rag-sources-note rag-abstain-note">'
                f'{t(lang, "closest", label=t(lang, "abstain"))}</div>{cards}</div>')
    marks = highlights(ans)
    order = [c.n for c in ans.citations if c.n in by_n]
    inferred = {c.n for c in ans.citations if c.inferred}
    cited = "".join(_card(by_n[n], article_text, True, n in inferred, marks.get(n, set()), lang) for n in order)
    rest = [p for p in ans.passages if p.n not in set(order)]
    conf = getattr(ans, "confidence", None)  # the selector's calibrated probability (rag/selector.py)
    sure = (f' · <span class="rag-confidence" title="{esc(t(lang, "confidence_tip"))}">'
            f'{t(lang, "confidence", p=round(100 * conf))}</span>') if conf is not None else ""
    note = (f'<div class="rag-sources-note">'
            f'{t(lang, "cited_of", n=len(order), total=count(lang, len(ans.passages), "passage"))}{sure}</div>')
    more = ""
    if rest:
        more = (f'<details class="rag-uncited"><summary>{t(lang, "uncited", n=len(rest))}</summary>'
                + "".join(_card(p, article_text, False, False, lang=lang) for p in rest) + "</details>")
    return f'<div class="rag-sources">{head}{note}{cited}{more}</div>'


def empty_sources_html(lang: str = "ar") -> str:
    return (f'<div class="rag-sources"><div class="rag-sources-title">{t(lang, "sources")}</div>'
            f'<div class="rag-empty">{t(lang, "sources_empty")}</div></div>')
