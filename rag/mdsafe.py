"""Text that goes into a Markdown export as text, never as markup.

Questions, answers, titles, file names and passages are untrusted: a
question ``<img src=x onerror=alert(1)>`` or ``[x](javascript:alert(1))``
copied into a ``.md`` file ran script when a previewer opened it (issue 24).
Here every HTML-significant character becomes an entity, every other
character Markdown could read as syntax gets a backslash (CommonMark lets any
ASCII punctuation be escaped), so no tag, link, image, heading or list comes
out of user text; the export itself writes no links.  Bidi controls
(U+202A-202E embeddings/overrides, U+2066-2069 isolates) are removed, as the
page does: a stray U+202E reversed the rest of the line in a previewer.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# ASCII punctuation Markdown (CommonMark and GFM: emphasis, code, tables, strikethrough, email
# autolinks) reads as syntax anywhere in a line; "[1]" and "(2023)" stay as they are (a link needs
# "](", a reference needs a "[x]:" definition at a line's start: both escaped below).
_SYNTAX = re.compile(r"([\\`*_{}!|~@])")
_LINK = re.compile(r"\](\s*)([(\[])")  # "](" of an inline link, "][" of a reference
# at a line's start: a heading, list, quote, setext underline, table, link definition, ordered list
_LINE_START = re.compile(r"^([#+\-=\[]|\d+(?=[.)]))", re.M)


def md_text(text: object) -> str:
    r"""One piece of untrusted text, safe inside a Markdown paragraph, heading
    or block quote (line breaks kept; each line's leading spaces dropped, so
    none becomes a code block).

    >>> print(md_text('<img src=x onerror=alert(1)>'))
    &lt;img src=x onerror=alert(1)&gt;
    >>> print(md_text('[x](javascript:alert(1)) ![i][r] *b* `c`'))
    \[x]\(javascript:alert(1)) \![i]\[r] \*b\* \`c\`
    >>> print(md_text('1. بند [1]' + chr(10) + '  # عنوان'))
    1\. بند [1]
    \# عنوان
    >>> md_text('abc\u202edef\u2066')
    'abcdef'
    """
    text = BIDI_CONTROLS.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = "".join(_ENTITIES.get(ch, ch) for ch in text)
    text = _SYNTAX.sub(r"\\\1", text)
    text = _LINK.sub(r"]\1\\\2", text)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" if m.group(1).isdigit() else "\\" + m.group(1), text)
    return text


def md_line(text: object) -> str:
    """Untrusted text on one line (a title, a question in a heading).

    >>> md_line('  a\\n\\n <b>b</b> ')
    'a &lt;b&gt;b&lt;/b&gt;'
    """
    return md_text(" ".join(BIDI_CONTROLS.sub("", str(text)).split()))


def md_code(text: object) -> str:
    """Untrusted text as an inline code span (a file name): shown as typed,
    never markup; fenced with more backticks than any run inside it.

    >>> md_code('a_b.txt'), md_code('x`<b>`y')
    ('`a_b.txt`', '`` x`<b>`y ``')
    """
    text = " ".join(BIDI_CONTROLS.sub("", str(text)).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or text.startswith(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}" if text else ""
