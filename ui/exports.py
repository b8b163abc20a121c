"""A conversation's Markdown/JSON download, made when its owner asks for it.

Before, every saved turn wrote both exports to a temp folder, and Gradio
copied them into its cache (``/tmp/gradio/<hash>/conversation-<id>.md``, mode
644 in 755 folders): 860 copies after one session of testing, readable by every
local account, kept after the conversation was deleted and the server
stopped, and served by ``/gradio_api/file=<path>`` to any user who had the path
(issue 24).  Now the page's download buttons are links to
``rag-export/<id>/<md|json>``; the route checks the login (Gradio's own
session cookie), looks the conversation up for that user only (another
user's id is the same 404 as a missing one), and sends the text from memory
with ``Cache-Control: no-store``: nothing a user said is written anywhere but
the history database (mode 600).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from index.errors import ConversationNotFound, HistoryError
from rag.transcript import to_json, to_markdown

from .i18n import language, notice_text, t

PREFIX = "rag-export"
_ID = re.compile(r"[0-9a-f]{1,64}")
_TYPES = {"md": "text/markdown; charset=utf-8", "json": "application/json; charset=utf-8"}


def export_link(cid: str, fmt: str) -> str:
    """The page's link to a download (relative: it works under a proxy's prefix too).

    >>> export_link('ab12', 'md')
    'rag-export/ab12/md'
    """
    return f"{PREFIX}/{cid}/{fmt}"


def markdown_of(conv, lang: str) -> str:
    labels = {k: t(lang, f"md_{k}") for k in ("summary", "searched_for", "note", "sources", "closest")}
    return to_markdown(conv, labels, lambda n: notice_text(lang, n))


def _user(request) -> str | None:
    """The logged-in user of a request to the Gradio app ("" without a login,
    None when a login is required and missing), as Gradio's own routes see it."""
    app = request.app
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return ""
    cookie_id = getattr(app, "cookie_id", "")
    token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{cookie_id}")
    user = getattr(app, "tokens", {}).get(token) if token else None
    return None if user is None else str(user)


def export_route(store):
    """The Starlette route serving ``store``'s conversations to their owners."""
    from starlette.responses import Response
    from starlette.routing import Route

    async def endpoint(request):
        lang = language(request.headers.get("accept-language"))
        headers = {"Cache-Control": "no-store, private", "X-Content-Type-Options": "nosniff"}
        user = _user(request)
        if user is None:
            return Response(t(lang, "export_login"), 401, headers=headers, media_type="text/plain; charset=utf-8")
        cid, fmt = request.path_params["cid"], request.path_params["fmt"]
        if not _ID.fullmatch(cid) or fmt not in _TYPES:
            return Response(t(lang, "export_missing"), 404, headers=headers, media_type="text/plain; charset=utf-8")
        try:
            conv = store.get(user, cid)
        except ConversationNotFound:
            return Response(t(lang, "export_missing"), 404, headers=headers, media_type="text/plain; charset=utf-8")
        except HistoryError as e:
            print(f"export: {e}", file=sys.stderr, flush=True)
            return Response(t(lang, "conv_not_loaded"), 503, headers=headers, media_type="text/plain; charset=utf-8")
        body = markdown_of(conv, lang) if fmt == "md" else to_json(conv)
        headers["Content-Disposition"] = f'attachment; filename="conversation-{cid}.{fmt}"'
        return Response(body.encode("utf-8"), 200, headers=headers, media_type=_TYPES[fmt])

    return Route(f"/{PREFIX}/{{cid}}/{{fmt}}", endpoint, methods=["GET"])


def remove_old_copies(tmp: str | Path | None = None) -> int:
    """Delete the exports earlier versions left in the temp folder (this
    account's only): ``rag-exports-*`` folders and the
    ``conversation-<id>.md/json`` copies in Gradio's cache.  Returns how many
    files went."""
    import os
    import shutil

    base = Path(tmp or tempfile.gettempdir())
    gone, uid = 0, os.getuid()
    for folder in base.glob("rag-exports-*"):
        try:
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == uid:
                gone += sum(1 for p in folder.rglob("*") if p.is_file())
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
    cache = Path(os.environ.get("GRADIO_TEMP_DIR") or base / "gradio")
    for path in cache.glob("*/conversation-*"):
        try:
            if re.fullmatch(r"conversation-[0-9a-f]+\.(md|json)", path.name) and path.is_file() \
                    and not path.is_symlink() and path.stat().st_uid == uid:
                path.unlink()
                gone += 1
        except OSError:
            continue
    return gone
