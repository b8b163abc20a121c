"""`rag history list|show|export|rename|delete`: the chat's saved conversations
from the command line (rag/history.py).  The operator runs the CLI, so
``--user`` picks whose conversations to see ("" is the chat without a login)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from index.errors import HistoryError

from .settings import Settings


def _store(s: Settings):
    from .history import ConversationStore

    return ConversationStore(s.history_path)


def _when(ts: float) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def cmd_list(args, s: Settings) -> int:
    convs = _store(s).list(args.user, args.search or "", limit=args.limit)
    if args.json:
        from .transcript import iso

        print(json.dumps([{"id": c.id, "title": c.title, "created": iso(c.created), "updated": iso(c.updated),
                           "turns": c.n_turns} for c in convs], ensure_ascii=False, indent=2))
        return 0
    if not convs:
        who = f" of user {args.user!r}" if args.user else ""
        print(f"no conversations{who}" + (f" matching {args.search!r}" if args.search else "")
              + f" in {s.history_path}", file=sys.stderr)
        return 0
    for c in convs:
        print(f"{c.id}  {_when(c.updated)}  {c.n_turns:>3} turn(s)  {c.title}")
    return 0


def cmd_show(args, s: Settings) -> int:
    conv = _store(s).get(args.user, args.id)
    print(f"{conv.title}\n{conv.id} · {conv.n_turns} turn(s) · last {_when(conv.updated)}")
    for i, t in enumerate(conv.turns, 1):
        ans = t.answer
        print(f"\n[{i}] Q: {t.question}\nA: {ans.text}")
        for c in ans.citations:
            print(f"   [{c.n}] {c.title} — {c.source}")
    return 0


def cmd_export(args, s: Settings) -> int:
    from .transcript import to_json, to_markdown

    conv = _store(s).get(args.user, args.id)
    text = to_markdown(conv) if args.format == "md" else to_json(conv)
    if not args.out or args.out == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    try:
        # a user's conversation: a new file is readable by its owner only, as the database is (issue 24)
        with open(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as e:
        raise HistoryError(f"Cannot write {out}: {e.strerror or e}. Choose another --out file.") from None
    print(f"exported {conv.id} ({conv.n_turns} turn(s)) -> {out}", file=sys.stderr)
    return 0


def cmd_rename(args, s: Settings) -> int:
    title = _store(s).rename(args.user, args.id, args.title)
    print(f"renamed {args.id}: {title}")
    return 0


def cmd_delete(args, s: Settings) -> int:
    _store(s).delete(args.user, args.id)
    print(f"deleted {args.id}")
    return 0


def add_parser(sub) -> None:
    """The `history` command and its subcommands, on the CLI's subparsers."""
    ph = sub.add_parser("history", help="saved chat conversations: list, show, export, rename, delete")
    hsub = ph.add_subparsers(dest="history_cmd", required=True)

    def common(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--user", default="", help='whose conversations (the chat login; default "": no login)')
        sp.add_argument("--history-db", help="conversation database (default: conversations.sqlite3 beside the index)")
        sp.add_argument("--index", help="index directory; the default database sits beside it")
        return sp

    pl = common(hsub.add_parser("list", help="conversations, newest first"))
    pl.add_argument("--search", help="only those whose title, questions or answers contain these words")
    pl.add_argument("--limit", type=int, default=200)
    pl.add_argument("--json", action="store_true")
    pl.set_defaults(func=cmd_list)
    ps = common(hsub.add_parser("show", help="a conversation's questions and answers"))
    ps.add_argument("id")
    ps.set_defaults(func=cmd_show)
    pe = common(hsub.add_parser("export", help="a conversation as Markdown (with numbered sources) or JSON"))
    pe.add_argument("id")
    pe.add_argument("--format", choices=("md", "json"), default="md")
    pe.add_argument("--out", help="file to write (default: stdout)")
    pe.set_defaults(func=cmd_export)
    pr = common(hsub.add_parser("rename", help="give a conversation a new title"))
    pr.add_argument("id")
    pr.add_argument("title")
    pr.set_defaults(func=cmd_rename)
    pd = common(hsub.add_parser("delete", help="delete a conversation and its answers"))
    pd.add_argument("id")
    pd.set_defaults(func=cmd_delete)
