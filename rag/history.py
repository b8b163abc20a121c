"""Saved conversations in a SQLite file (standard library ``sqlite3``).

Every method takes the user (the chat's basic-auth name, "" without auth) and
touches only that user's rows: asking for another user's conversation is the
same "not found" as asking for one that never existed.

One connection per call, so Gradio's worker threads never share one; WAL lets
readers go on while a turn is written, and ``busy_timeout`` makes a writer
wait for another instead of failing.  The schema version is SQLite's
``user_version``; ``MIGRATIONS`` bring an older file up to date on open.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from index.arabic import normalize
from index.errors import ConversationNotFound, HistoryError, QuestionError

from .answer import Answer
from .textio import clean_question
from .transcript import answer_from_record, answer_record

MAX_TITLE = 120  # characters of a title (the first question, or a rename)
MAX_QUESTION = 4000  # characters of a stored question (the answer used at most max_question_chars)
MAX_SEARCH_WORDS = 8
BUSY_MS = 10_000  # a writer waits this long for another before giving up
# ... except the chat's own writes, made in the single answer slot: a database locked by another
# process held that slot, and so every user, 10 s per turn (issue 24).  The chat tries this long,
# then saves the turn from a thread of its own with BUSY_MS (ui/conversations.py).
CHAT_BUSY_MS = 500


class HistoryBusy(HistoryError):
    """The database stayed locked by another connection for the whole busy timeout."""
LIST_LIMIT = 200  # conversations a list returns (newest first)


def _v2(conn: sqlite3.Connection) -> None:
    """v2: normalised copies of titles and turns, for search with Arabic spelling variants."""
    conn.execute("ALTER TABLE conversations ADD COLUMN title_norm TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE turns ADD COLUMN search_text TEXT NOT NULL DEFAULT ''")
    for cid, title in conn.execute("SELECT id, title FROM conversations").fetchall():
        conn.execute("UPDATE conversations SET title_norm = ? WHERE id = ?", (normalize(title), cid))
    for tid, q, rec in conn.execute("SELECT id, question, answer FROM turns").fetchall():
        conn.execute("UPDATE turns SET search_text = ? WHERE id = ?", (_search_text(q, rec), tid))
    conn.execute("CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user, updated)")


# MIGRATIONS[i] takes a file from version i to i + 1 (SQL text or a function).
MIGRATIONS: list = [
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT NOT NULL,
        created REAL NOT NULL, updated REAL NOT NULL);
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY, conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, created REAL NOT NULL,
        UNIQUE (conversation, position));
    """,
    _v2,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _search_text(question: str, record: str) -> str:
    try:
        answer = json.loads(record).get("text", "")
    except (ValueError, AttributeError):
        answer = ""
    return normalize(f"{question}\n{answer}")


def clean_title(text: str, limit: int = MAX_TITLE) -> str:
    """One line, no control characters, at most ``limit`` characters.

    >>> clean_title('  لماذا تغيب\\n بوتين؟\\x00 ')
    'لماذا تغيب بوتين؟'
    >>> len(clean_title('س' * 5000))
    120
    """
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def question_title(question: str, limit: int = MAX_TITLE) -> str:
    """A conversation's title from its first question, as the assistant read it
    (rag/textio.py): markup pasted with it is not part of it.

    >>> question_title('<b>متى زار بوتين الصين؟</b>')
    'متى زار بوتين الصين؟'
    >>> question_title('<b></b>')  # nothing left: the text as typed
    '<b></b>'
    """
    try:
        text = clean_question(str(question), max_chars=limit * 4).text
    except QuestionError:
        text = str(question)
    return clean_title(text, limit)


def _like(word: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


@dataclass(frozen=True)
class Turn:
    question: str
    answer: Answer  # rebuilt from the stored record
    record: dict  # the answer as stored (everything, even what this version does not know)
    created: float


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    created: float
    updated: float
    n_turns: int
    turns: tuple[Turn, ...] = ()  # filled by get(), empty in listings


class ConversationStore:
    """Conversations of every user in one SQLite file (created on first use)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._init_lock = threading.Lock()
        self._ready = False

    # ------------------------------------------------------------ connection
    def _fail(self, e: sqlite3.Error, busy_ms: int = BUSY_MS) -> HistoryError:
        msg = str(e)
        if isinstance(e, sqlite3.DatabaseError) and ("not a database" in msg or "malformed" in msg):
            return HistoryError(f"{self.path} is not a readable conversation database ({msg}). Move it aside to "
                                "start a new history, or set RAG_HISTORY_DB to another file.")
        code = getattr(e, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL or "is full" in msg or (
                (code is not None and code & 0xFF == sqlite3.SQLITE_IOERR or "disk I/O" in msg) and self._disk_full()):
            # was "make its folder writable", which sent the operator to the wrong fix (issue 24)
            return HistoryError(f"The disk holding the conversation database {self.path} is full ({msg}). Free "
                                "some space there, or set RAG_HISTORY_DB to a file on another disk.")
        if "readonly" in msg or "unable to open" in msg or "disk I/O" in msg or "full" in msg:
            return HistoryError(f"Cannot write the conversation database {self.path} ({msg}). Make its folder "
                                "writable, or set RAG_HISTORY_DB to a file in a writable folder.")
        if "locked" in msg or "busy" in msg:
            return HistoryBusy(f"The conversation database {self.path} stayed locked by another process for "
                               f"{busy_ms / 1000:g} s ({msg}); try again.")
        return HistoryError(f"Conversation database {self.path}: {msg}")

    def _disk_full(self) -> bool:
        """Whether the database's disk has no room left: on a full tmpfs SQLite said
        "disk I/O error" (growing its shared-memory file), not SQLITE_FULL."""
        import shutil

        try:
            return shutil.disk_usage(self.path.parent).free < 64 * 1024
        except OSError:
            return False

    @contextmanager
    def _conn(self, write: bool = True, busy_ms: int = BUSY_MS) -> Iterator[sqlite3.Connection]:
        """A connection for one call, in one transaction (committed on success);
        a lock held by another connection is waited for ``busy_ms``."""
        if not self._ready or not self.path.exists():  # first use, or the file was moved aside
            self._ready = False
            self._open()
        try:
            conn = sqlite3.connect(self.path, timeout=busy_ms / 1000, isolation_level=None)
        except sqlite3.Error as e:
            raise self._fail(e, busy_ms) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            conn.execute("PRAGMA foreign_keys = ON")
            # Writers queue here, not halfway through a turn; readers do not wait (WAL).
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise self._fail(e, busy_ms) from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _open(self) -> None:
        """Create or migrate the file once per store."""
        with self._init_lock:
            if self._ready:
                return
            if self.path.is_dir():
                raise HistoryError(f"{self.path} is a folder; set RAG_HISTORY_DB to a file path.")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Conversations are private: a new file (and so its -wal/-shm files, which
                # SQLite creates with the database's mode) is readable by its owner only.
                # Only when it does not exist: closing any descriptor of an open database drops every
                # POSIX lock this process holds on it, and with them its WAL read lock; another process
                # then took itself for the last user, checkpointed and deleted the WAL, and this process
                # read "database disk image is malformed" (seen with two processes on one file, issue 24).
                try:
                    os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                except FileExistsError:
                    pass
            except OSError as e:
                if e.errno == errno.ENOSPC:
                    raise HistoryError(f"The disk holding {self.path} is full: free some space there, or set "
                                       "RAG_HISTORY_DB to a file on another disk.") from None
                raise HistoryError(f"Cannot create the folder {self.path.parent} for the conversation database "
                                   f"({e.strerror or e}). Set RAG_HISTORY_DB to a file in a writable folder.") from None
            conn = None
            try:
                conn = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
                conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
                if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                    raise HistoryError(f"{self.path}: SQLite could not switch to WAL mode; use a local disk.")
                conn.execute("BEGIN IMMEDIATE")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    conn.execute("ROLLBACK")
                    raise HistoryError(f"{self.path} was written by a newer version of arabic-rag (schema {version}, "
                                       f"this one reads up to {SCHEMA_VERSION}); upgrade, or set RAG_HISTORY_DB to "
                                       "another file.")
                for step in MIGRATIONS[version:]:
                    if callable(step):
                        step(conn)
                    else:
                        for stmt in (s for s in step.split(";") if s.strip()):
                            conn.execute(stmt)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except sqlite3.Error as e:
                raise self._fail(e) from None
            finally:
                if conn is not None:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    conn.close()
            self._ready = True

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _user(user: str | None) -> str:
        return str(user or "")  # never cut: two long names cut alike would share conversations

    def _owned(self, conn, user: str, cid: str) -> tuple:
        row = conn.execute("SELECT id, title, created, updated FROM conversations WHERE id = ? AND user = ?",
                           (str(cid), self._user(user))).fetchone()
        if row is None:
            raise ConversationNotFound(f"No conversation {str(cid)[:40]!r} for this user; `rag history list` "
                                       "shows their ids.")
        return row

    # ------------------------------------------------------------ operations
    def create(self, user: str, title: str = "", busy_ms: int = BUSY_MS) -> Conversation:
        now = time.time()
        cid = secrets.token_hex(6)
        title = clean_title(title)
        with self._conn(busy_ms=busy_ms) as conn:
            conn.execute("INSERT INTO conversations (id, user, title, title_norm, created, updated) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (cid, self._user(user), title, normalize(title), now, now))
        return Conversation(cid, title, now, now, 0)

    def append(self, user: str, cid: str, answer: Answer, question: str | None = None, busy_ms: int = BUSY_MS) -> int:
        """Store one turn (the question as asked and the answer as shown);
        returns its number (1, 2, ...).  The first question titles an untitled
        conversation."""
        question = str(answer.question if question is None else question)[:MAX_QUESTION]
        record = json.dumps(answer_record(answer), ensure_ascii=False)
        now = time.time()
        with self._conn(busy_ms=busy_ms) as conn:
            _, title, _, _ = self._owned(conn, user, cid)
            n = conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM turns WHERE conversation = ?",
                             (cid,)).fetchone()[0]
            conn.execute("INSERT INTO turns (conversation, position, question, answer, created, search_text) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (cid, n, question, record, now, _search_text(question, record)))
            if not title:
                title = question_title(question)
                conn.execute("UPDATE conversations SET title = ?, title_norm = ? WHERE id = ?",
                             (title, normalize(title), cid))
            conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, cid))
        return n

    def list(self, user: str, search: str = "", limit: int = LIST_LIMIT) -> list[Conversation]:
        """The user's conversations, newest first; with ``search``, those whose
        title, questions or answers contain every word of it (compared after
        ``index.arabic.normalize``, so أحمد finds احمد, ة finds ه, ى finds ي).

        LIKE over the normalised copies, not FTS5: a search that matches
        nothing scans 1,000 conversations of 5 turns in 5.8 ms, one that fills
        the list in 0.8 ms (2 cores; a turn is written in 1.2 ms)."""
        sql = ("SELECT c.id, c.title, c.created, c.updated, (SELECT COUNT(*) FROM turns t WHERE t.conversation = c.id) "
               "FROM conversations c WHERE c.user = ?")
        args: list = [self._user(user)]
        for word in normalize(str(search or "")[:MAX_QUESTION]).split()[:MAX_SEARCH_WORDS]:
            sql += (" AND (c.title_norm LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM turns t WHERE "
                    "t.conversation = c.id AND t.search_text LIKE ? ESCAPE '\\'))")
            args += [_like(word)] * 2
        sql += " ORDER BY c.updated DESC, c.rowid DESC LIMIT ?"
        with self._conn(write=False) as conn:
            rows = conn.execute(sql, (*args, max(1, int(limit)))).fetchall()
        return [Conversation(*row) for row in rows]

    def get(self, user: str, cid: str, turns: bool = True) -> Conversation:
        """A conversation with its turns, oldest first (``turns=False``: only
        its title and times; raises ConversationNotFound all the same)."""
        with self._conn(write=False) as conn:
            cid_, title, created, updated = self._owned(conn, user, cid)
            if not turns:
                n = conn.execute("SELECT COUNT(*) FROM turns WHERE conversation = ?", (cid_,)).fetchone()[0]
                return Conversation(cid_, title, created, updated, n)
            rows = conn.execute("SELECT question, answer, created FROM turns WHERE conversation = ? "
                                "ORDER BY position", (cid_,)).fetchall()
        turns = []
        for question, record, created_t in rows:
            try:
                rec = json.loads(record)
                turns.append(Turn(question, answer_from_record(rec), rec, created_t))
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                raise HistoryError(f"{self.path}: a saved answer in conversation {cid_} cannot be read ({e}); "
                                   "export it as JSON to see what is stored.") from None
        return Conversation(cid_, title, created, updated, len(turns), tuple(turns))

    def rename(self, user: str, cid: str, title: str) -> str:
        title = clean_title(title)
        if not title:
            raise HistoryError("The new title is empty; give a title with at least one letter.")
        with self._conn() as conn:
            self._owned(conn, user, cid)
            conn.execute("UPDATE conversations SET title = ?, title_norm = ? WHERE id = ?",
                         (title, normalize(title), cid))
        return title

    def purge_empty(self, older_than_s: float) -> int:
        """Delete every user's conversations that got no answer and were created
        more than ``older_than_s`` seconds ago (a server killed mid-answer
        leaves one); returns how many."""
        with self._conn() as conn:
            cur = conn.execute("DELETE FROM conversations WHERE updated < ? AND NOT EXISTS "
                               "(SELECT 1 FROM turns t WHERE t.conversation = conversations.id)",
                               (time.time() - older_than_s,))
            return cur.rowcount

    def delete(self, user: str, cid: str, busy_ms: int = BUSY_MS) -> None:
        with self._conn(busy_ms=busy_ms) as conn:
            self._owned(conn, user, cid)
            conn.execute("DELETE FROM turns WHERE conversation = ?", (cid,))
            conn.execute("DELETE FROM conversations WHERE id = ?", (cid,))
