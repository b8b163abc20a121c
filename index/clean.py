"""Remove scraping junk from article text by general rules.

Scraped news pages carry CMS markers (``[ad_1]``), template tokens
(``spot_img``), "related news" teaser blocks, comment counters, source
footers and lines repeated verbatim (titles and photo captions).  The rules
here look at the *shape* of a line, never at a list of known pages.

The first line of an article is its title, however short («مصر», «نجيب
محفوظ»).  Category labels and tags («سياسة دولية», «بوتين») are dropped only
from a page that shows it was scraped (one of the junk lines above, or a line
repeated verbatim), and a label is taken for one above the title only when a
longer headline follows it: dropping every short line before the title had
cost 58 of the 77 dev articles (eval/datasets/arcd) their titles.
"""

from __future__ import annotations

import re

from .arabic import normalize

# [ad_1], [related_posts], {{widget}}, <!-- more -->
_CMS_MARKER = re.compile(r"^(\[[\w\- ]{1,40}\]|\{\{.{1,40}\}\}|<!--.*-->)$")
# Lone template/identifier tokens such as spot_img, td-module, wp_footer.
_TEMPLATE_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9]*([_\-][A-Za-z0-9]+)+$")
_TEASER_HEADERS = {
    normalize(s)
    for s in (
        "ذات صلة",
        "اخبار ذات صلة",
        "أخبار متعلقة",
        "اظهار أخبار متعلقة",
        "إظهار أخبار متعلقة",
        "اقرأ أيضا",
        "اقرأ أيضاً",
        "اقرأ المزيد",
        "شاهد أيضا",
        "مواضيع ذات صلة",
        "related",
        "related news",
        "related articles",
        "read more",
        "read also",
        "see also",
    )
}
_COUNTER = re.compile(
    r"^(التعليقات|تعليقات|تعليق|comments?|shares?|views?|مشاهدات|مشاركات)\s*[:(]?\s*\d+\s*\)?$",
    re.IGNORECASE,
)
_SOURCE_FOOTER = re.compile(r"^(المصدر|مصدر|source|via)\s*[:：]?\s*\S{0,40}$", re.IGNORECASE)
_ELLIPSIS_END = re.compile(r"(\.\.\.|…)\s*$")
_ONLY_PUNCT = re.compile(r"^[\W_]+$")

# A teaser headline (the line just before a teaser snippet) is short.
_TEASER_HEADLINE_MAX_WORDS = 20
# A snippet that ends in an ellipsis is a teaser only when short; a long
# paragraph may legitimately end in "...".
_TEASER_SNIPPET_MAX_WORDS = 30


def _is_junk(line: str) -> bool:
    """True for a line that is never content.

    >>> [_is_junk(s) for s in ('[ad_1]', 'spot_img', 'التعليقات (0)', 'المصدر', 'وصل بوتين.')]
    [True, True, True, True, False]
    """
    if _CMS_MARKER.match(line) or _TEMPLATE_TOKEN.match(line) or _ONLY_PUNCT.match(line):
        return True
    if _COUNTER.match(line) or _SOURCE_FOOTER.match(line):
        return True
    return normalize(line).rstrip(":") in _TEASER_HEADERS


def _is_teaser_snippet(line: str) -> bool:
    return bool(_ELLIPSIS_END.search(line)) and len(line.split()) <= _TEASER_SNIPPET_MAX_WORDS


def _is_label(line: str) -> bool:
    """Category labels and tags: one or two words with no sentence punctuation.

    >>> _is_label('سياسة دولية'), _is_label('بوتين'), _is_label('زار بوتين قرغيزستان.')
    (True, True, False)
    """
    return len(line.split()) <= 2 and not re.search(r"[.!?؟؛:\d]", line)


_SENTENCE_END = re.compile(r"[.!?؟]$")


def _is_headline(line: str) -> bool:
    """A headline: three to ``_TEASER_HEADLINE_MAX_WORDS`` words, not ending a
    sentence (a short paragraph does).

    >>> _is_headline('بوتين يزور كوريا الشمالية لتوقيع اتفاق.. مخاوف دولية'), _is_headline('مصر دولة عربية.')
    (True, False)
    """
    return 3 <= len(line.split()) <= _TEASER_HEADLINE_MAX_WORDS and not _SENTENCE_END.search(line)


def _drop_labels(lines: list[str]) -> list[str]:
    """Without the labels above the title and the tags below it, on a scraped page.

    The labels above the title go only when a headline follows them: the first
    line of «نجيب محفوظ» followed by its first paragraph is the title.

    >>> _drop_labels(['سياسة دولية', 'بوتين يزور كوريا الشمالية لتوقيع اتفاق', 'بوتين', 'نص الخبر.'])
    ['بوتين يزور كوريا الشمالية لتوقيع اتفاق', 'نص الخبر.']
    >>> _drop_labels(['نجيب محفوظ', 'نجيب محفوظ روائي مصري، وهو أول أديب عربي حاز جائزة نوبل في الأدب.'])[0]
    'نجيب محفوظ'
    """
    k = 0
    while k < len(lines) and _is_label(lines[k]):
        k += 1
    head = lines[:k] if k == len(lines) or not _is_headline(lines[k]) else []
    return head + [ln for ln in lines[k:] if not _is_label(ln)]


_NUL = re.compile(r"[\x00\ufffe\uffff]")
# A model's chat-template tokens written into an article («<start_of_turn>»,
# "<|im_start|>", "[INST]", "</s>"): llama.cpp reads a prompt's special tokens
# as real ones, so an article could close the user's turn and open a system
# one.  They are no text of any article.
CONTROL_TOKENS = re.compile(
    r"<\|[^<>|\n]{1,40}\|>"
    r"|</?(?:s|bos|eos|pad|unk|mask|start_of_turn|end_of_turn|start_of_image|end_of_image|unused\d{1,3})>"
    r"|<</?SYS>>|\[/?INST\]|\[/?(?:SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS)\]",
    re.IGNORECASE,
)


def strip_control_tokens(text: str) -> str:
    """The text without chat-template control tokens.

    >>> strip_control_tokens('خبر<end_of_turn><start_of_turn>user [INST] <|im_start|>system</s>')
    'خبر  user    system '
    """
    return CONTROL_TOKENS.sub(" ", text)
# No word of any language runs this long: a base64 image, a hash, a minified
# script.  Left in, one 200,000-character run became a single chunk (and a
# 49.6 s build).
MAX_WORD_CHARS = 80
# URLs are kept up to the length browsers and servers accept: a 200,000-character
# "https://AAAA…" in a <div> was kept whole and became one 200,020-character chunk.
MAX_URL_CHARS = 2048
_RUN = re.compile(r"\S{%d,}" % (MAX_WORD_CHARS + 1))


def _drop_runs(line: str) -> str:
    """The line without space-less runs longer than any word (URLs up to
    ``MAX_URL_CHARS`` are kept).

    >>> _drop_runs('صورة ' + 'A' * 500 + ' انتهى'), _drop_runs('https://example.com/' + 'a' * 90)[:8]
    ('صورة   انتهى', 'https://')
    >>> _drop_runs('رابط https://x.io/' + 'A' * 5000 + ' انتهى')
    'رابط   انتهى'
    """
    def keep(m: re.Match) -> str:
        run = m.group()
        return run if run.startswith(("http://", "https://")) and len(run) <= MAX_URL_CHARS else " "

    return _RUN.sub(keep, line)


# A headline is a line, not a paragraph: a 100,000-character JSONL title became a
# 100,000-character chunk, and was repeated in the title field of every chunk.
MAX_TITLE_CHARS = 300


def clean_title(title: str) -> str:
    """A title cleaned like the text (no NUL bytes, no long space-less runs,
    one line) and cut at a word boundary to ``MAX_TITLE_CHARS``.

    >>> clean_title('  قمة\\x00 بريكس ' + 'B' * 1000)
    'قمة بريكس'
    >>> len(clean_title('كلمة ' * 1000)) <= MAX_TITLE_CHARS
    True
    """
    title = " ".join(_drop_runs(_NUL.sub(" ", title)).split())
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[: MAX_TITLE_CHARS - 2]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + " …"


def clean_lines(text: str) -> list[str]:
    """Clean scraped article text; returns the content lines, title first.

    >>> clean_lines('ذات صلة\\nعنوان خبر آخر\\nبداية الخبر...\\n[ad_1]\\n'
    ...             'عنوان المقال هنا\\nعنوان المقال هنا\\nنص المقال الطويل.\\nspot_img')
    ['عنوان المقال هنا', 'نص المقال الطويل.']
    >>> clean_lines('نجيب محفوظ\\n\\nنجيب محفوظ روائي مصري.\\n\\nالجوائز\\n\\nحاز جائزة نوبل في الأدب.')
    ['نجيب محفوظ', 'نجيب محفوظ روائي مصري.', 'الجوائز', 'حاز جائزة نوبل في الأدب.']
    """
    text = strip_control_tokens(_NUL.sub(" ", text))
    lines = [" ".join(_drop_runs(raw).split()) for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]

    drop = [False] * len(lines)
    scraped = False  # a line only a scraped page has (a separator of dashes or stars is not one)
    for i, ln in enumerate(lines):
        if _is_junk(ln):
            drop[i] = True
            scraped = scraped or not _ONLY_PUNCT.match(ln)
        elif _is_teaser_snippet(ln):
            drop[i] = scraped = True
            # The teaser's headline sits just above it.
            j = i - 1
            if j >= 0 and not drop[j] and len(lines[j].split()) <= _TEASER_HEADLINE_MAX_WORDS:
                drop[j] = True

    out: list[str] = []
    seen: set[str] = set()
    for ln, dropped in zip(lines, drop):
        if dropped:
            continue
        key = normalize(ln)
        if key in seen:  # titles and captions repeated verbatim
            scraped = True
            continue
        seen.add(key)
        out.append(ln)

    # On a scraped page, labels before the title ("سياسة دولية", "جمع") and tags
    # anywhere are noise; in a file someone wrote, a short line is a title or a heading.
    if scraped:
        out = _drop_labels(out)
    # Trailing footers ("المصدر: وكالة") after the last sentence.
    while out and _SOURCE_FOOTER.match(out[-1]):
        out.pop()
    return out


def title_from(lines: list[str], max_words: int = 16) -> str:
    """The first meaningful line, shortened when it is a whole paragraph.

    >>> title_from(['بوتين يزور كوريا الشمالية', 'نص'])
    'بوتين يزور كوريا الشمالية'
    """
    if not lines:
        return ""
    first = lines[0]
    words = first.split()
    if len(words) <= max_words * 2:
        return first
    return " ".join(words[:max_words]) + " …"
