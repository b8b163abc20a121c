"""Saved conversations (rag/history.py) over a real SQLite file, and `rag history`."""

import json
import os
import sqlite3
import threading

import pytest

from index.errors import ConversationNotFound, HistoryError
from rag.answer import Answer, Passage
from rag.cite import Citation, SentenceCheck
from rag.cli import main
from rag.history import MAX_QUESTION, MAX_TITLE, SCHEMA_VERSION, ConversationStore
from rag.notices import Code, Notice
from rag.transcript import answer_record, to_json, to_markdown

BRICS = "لماذا تغيب بوتين عن قمة بريكس؟"


def make_answer(question=BRICS, text="غاب بوتين لأن المحكمة الجنائية الدولية أصدرت مذكرة [1].", n_passages=2):
    passages = [Passage(n, f"c{n}", f"a{n}", f"عنوان المقال {n}", f"art{n}.txt", 10 * n, 10 * n + 40,
                        f"نص المقطع {n}: غاب بوتين عن القمة في جنوب أفريقيا.", 0.5 / n, 0.4, 2.0, n == 1)
                for n in range(1, n_passages + 1)]
    return Answer(
        question=question, query=question, text=text, language="ar", mode="extractive", abstained=False,
        citations=[Citation(1, "c1", "عنوان المقال 1", "art1.txt", 10, 50, passages[0].text)],
        sentences=[SentenceCheck(text.replace(" [1]", ""), (1,), True, 0.8, "غاب بوتين")],
        passages=passages, confidence=0.6, notices=[Notice(Code.SENTENCES_REJECTED, 2)],
        timings={"total": 0.05}, model="extractive", why_mode="base_model",
    )


@pytest.fixture
def db(tmp_path):
    return tmp_path / "data" / "conversations.sqlite3"


def test_a_conversation_survives_a_restart_with_its_answers(db):
    store = ConversationStore(db)
    conv = store.create("")
    ans = make_answer()
    assert store.append("", conv.id, ans) == 1
    assert store.append("", conv.id, make_answer("ومتى زار قرغيزستان؟"), question="ومتى زار قرغيزستان؟") == 2
    del store  # a new store on the same file: what a restarted server sees
    again = ConversationStore(db).get("", conv.id)
    assert again.title == BRICS and again.n_turns == 2
    assert [t.question for t in again.turns] == [BRICS, "ومتى زار قرغيزستان؟"]
    assert again.turns[0].answer == ans  # citations, passages, notices, timings: all as shown
    assert isinstance(again.turns[0].answer.notices[0].code, Code)
    assert {oct(p.stat().st_mode & 0o777) for p in db.parent.glob("conversations.sqlite3*")} == {"0o600"}
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_the_newest_conversation_comes_first(db):
    store = ConversationStore(db)
    a, b = store.create("", "أ"), store.create("", "ب")
    assert [c.id for c in store.list("")] == [b.id, a.id]
    store.append("", a.id, make_answer())
    assert [c.id for c in store.list("")] == [a.id, b.id]
    assert store.list("")[0].title == "أ"  # a title given at creation is kept


def test_two_users_never_see_each_others_conversations(db):
    store = ConversationStore(db)
    mine = store.create("alice")
    store.append("alice", mine.id, make_answer())
    theirs = store.create("bob")
    assert [c.id for c in store.list("alice")] == [mine.id]
    assert [c.id for c in store.list("bob")] == [theirs.id]
    assert store.list("bob", "بوتين") == [] and store.list("", "بوتين") == []
    for call in (lambda: store.get("bob", mine.id), lambda: store.rename("bob", mine.id, "x"),
                 lambda: store.delete("bob", mine.id), lambda: store.append("bob", mine.id, make_answer()),
                 lambda: store.get("", mine.id)):
        with pytest.raises(ConversationNotFound):
            call()
    got = store.get("alice", mine.id)  # untouched by bob's attempts
    assert got.title == BRICS and got.n_turns == 1


def test_concurrent_appends_from_threads_lose_nothing(db):
    store = ConversationStore(db)
    shared = store.create("")
    errors = []

    def worker(i):
        try:
            own = store.create(f"user{i}")
            for j in range(8):
                store.append("", shared.id, make_answer(f"سؤال {i}-{j}"))
                store.append(f"user{i}", own.id, make_answer(f"سؤال خاص {i}-{j}"))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    conv = store.get("", shared.id)
    assert conv.n_turns == 48
    assert sorted(t.question for t in conv.turns) == sorted(f"سؤال {i}-{j}" for i in range(6) for j in range(8))
    for i in range(6):
        (own,) = store.list(f"user{i}")
        assert own.n_turns == 8


APPENDER = """
import sys
from rag.history import ConversationStore
from test_history import make_answer
store = ConversationStore(sys.argv[1])
for j in range(15):
    store.append("", sys.argv[2], make_answer(f"{sys.argv[3]}-{j}"))
"""


def test_concurrent_appends_from_processes_wait_for_each_other(db):
    """Two chat servers (or the CLI beside one) on the same file: busy_timeout
    and BEGIN IMMEDIATE make writers queue instead of failing."""
    import subprocess
    import sys

    from conftest import ROOT

    store = ConversationStore(db)
    conv = store.create("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(db), conv.id, f"p{i}"], env=env,
                              stderr=subprocess.PIPE, text=True) for i in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    got = store.get("", conv.id)
    assert got.n_turns == 45 and len({t.question for t in got.turns}) == 45


@pytest.mark.parametrize("stored, query", [
    ("من هو أحمد الشرع؟", "احمد"),  # hamza on alef
    ("زار المدرسة الجديدة", "المدرسه"),  # ta marbuta / ha
    ("سافر إلى موسكو", "الي"),  # alef maqsura / ya
    ("قمة بريكس", "قِمَّة"),  # diacritics in the query
    ("Putin skipped BRICS", "brics putin"),  # Latin case, every word, any order
])
def test_search_finds_arabic_spelling_variants(db, stored, query):
    store = ConversationStore(db)
    hit = store.create("")
    store.append("", hit.id, make_answer(stored))
    other = store.create("")
    store.append("", other.id, make_answer("سؤال آخر", text="لا علاقة له [1]."))
    assert [c.id for c in store.list("", query)] == [hit.id]


def test_search_matches_answers_and_titles_and_treats_wildcards_literally(db):
    store = ConversationStore(db)
    conv = store.create("")
    store.append("", conv.id, make_answer("سؤال", text="بلغت النسبة 50% في المحكمة [1]."))
    assert [c.id for c in store.list("", "المحكمه")] == [conv.id]  # a word of the answer
    plain = store.create("", "بلا رموز")
    store.append("", plain.id, make_answer("سؤال", text="لا نسبة هنا [1]."))
    assert [c.id for c in store.list("", "50%")] == [c.id for c in store.list("", "%")] == [conv.id]
    store.rename("", conv.id, "ملخص اجتماع")
    assert store.list("", "_") == [] and store.list("", "بريكس غير موجود") == []
    assert [c.id for c in store.list("", "اجتماع")] == [conv.id]


def test_export_markdown_has_the_answer_and_its_numbered_sources(db):
    store = ConversationStore(db)
    conv = store.create("")
    store.append("", conv.id, make_answer())
    md = to_markdown(store.get("", conv.id))
    assert md.startswith(f"# {BRICS}\n")
    assert f"## 1. {BRICS}" in md and "المحكمة الجنائية الدولية أصدرت مذكرة [1]." in md
    assert "**Sources**" in md and "[1] **عنوان المقال 1** — `art1.txt`" in md
    assert "> نص المقطع 1: غاب بوتين" in md
    assert "[2] **" not in md  # an uncited passage is not a source
    doc = json.loads(to_json(store.get("", conv.id)))
    assert doc["format"] == "arabic-rag.conversation" and doc["turns"][0]["question"] == BRICS
    assert doc["turns"][0]["answer"] == json.loads(json.dumps(answer_record(make_answer())))


def test_a_real_answer_renders_the_same_from_the_database(db, built_index, tmp_path):
    """An answer of the real pipeline, stored and read back, renders as it was
    shown: the same chat bubble and sources panel, even once the index is gone."""
    import shutil

    from rag.answer import Assistant
    from rag.settings import Settings
    from ui.render import answer_html, sources_html

    index = tmp_path / "index"
    shutil.copytree(built_index, index)
    ans = Assistant(Settings(index=index)).ask(BRICS, mode="extractive")
    assert ans.citations and not ans.abstained
    store = ConversationStore(db)
    conv = store.create("")
    store.append("", conv.id, ans)
    shutil.rmtree(index)
    old = ConversationStore(db).get("", conv.id).turns[0].answer
    assert old == ans
    assert answer_html(old) == answer_html(ans) and sources_html(old) == sources_html(ans)
    md = to_markdown(ConversationStore(db).get("", conv.id))
    for c in ans.citations:
        assert f"[{c.n}] **{c.title}** — `{c.source}`" in md
        assert f"[{c.n}]" in ans.text


def test_huge_titles_and_questions_are_bounded(db):
    store = ConversationStore(db)
    conv = store.create("", "ع" * 100_000)
    assert len(conv.title) == MAX_TITLE
    store.append("", conv.id, make_answer("س\x00ؤال " * 50_000))
    got = store.get("", conv.id)
    assert len(got.turns[0].question) == MAX_QUESTION
    title = store.rename("", conv.id, "عنوان\n\tجديد\x07" + "x" * 10_000)
    assert title.startswith("عنوان جديد") and len(title) == MAX_TITLE and "\x07" not in title
    with pytest.raises(HistoryError, match="title is empty"):
        store.rename("", conv.id, " \n\x00 ")
    untitled = store.create("")
    store.append("", untitled.id, make_answer("  سؤال\nعلى سطرين  "))
    assert store.get("", untitled.id).title == "سؤال على سطرين"


def test_a_corrupt_file_is_a_clear_error_and_stays_as_it_was(db):
    db.parent.mkdir(parents=True)
    junk = b"this is not SQLite\x00" * 100
    db.write_bytes(junk)
    with pytest.raises(HistoryError, match="not a readable conversation database.*Move it aside"):
        ConversationStore(db).list("")
    assert db.read_bytes() == junk  # nothing overwritten


def test_a_file_from_a_newer_version_is_refused(db):
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="newer version"):
        ConversationStore(db).list("")


def test_an_unwritable_place_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match="RAG_HISTORY_DB"):
        ConversationStore(blocker / "conversations.sqlite3").create("")
    with pytest.raises(HistoryError, match="is a folder"):
        ConversationStore(tmp_path).list("")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_clear_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(HistoryError, match="writable"):
            ConversationStore(ro / "conversations.sqlite3").create("")
    finally:
        ro.chmod(0o700)


V1 = """
CREATE TABLE conversations (id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE turns (id INTEGER PRIMARY KEY, conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, created REAL NOT NULL,
    UNIQUE (conversation, position));
"""


def test_a_version_1_file_is_migrated_and_searchable(db):
    db.parent.mkdir(parents=True)
    record = json.dumps(answer_record(make_answer("من هو أحمد؟")), ensure_ascii=False)
    with sqlite3.connect(db) as raw:
        raw.executescript(V1)
        raw.execute("INSERT INTO conversations VALUES ('old1', 'alice', 'محادثة قديمة', 1.0, 2.0)")
        raw.execute("INSERT INTO turns (conversation, position, question, answer, created) "
                    "VALUES ('old1', 1, 'من هو أحمد؟', ?, 2.0)", (record,))
        raw.execute("PRAGMA user_version = 1")
    store = ConversationStore(db)
    assert [c.id for c in store.list("alice", "احمد")] == [store.list("alice")[0].id] == ["old1"]
    assert [c.id for c in store.list("alice", "قديمه")] == ["old1"]  # the title, normalised too
    assert store.get("alice", "old1").turns[0].answer == make_answer("من هو أحمد؟")
    assert store.append("alice", "old1", make_answer()) == 2
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_answer_with_a_notice_this_version_does_not_know_still_loads(db):
    store = ConversationStore(db)
    conv = store.create("")
    store.append("", conv.id, make_answer())
    with sqlite3.connect(db) as raw:
        (rec,) = raw.execute("SELECT answer FROM turns").fetchone()
        d = json.loads(rec)
        d["notices"].append({"code": "from_the_future", "count": 1})
        d["new_field"] = 1
        raw.execute("UPDATE turns SET answer = ?", (json.dumps(d),))
    turn = store.get("", conv.id).turns[0]
    assert [n.code for n in turn.answer.notices] == [Code.SENTENCES_REJECTED]
    assert turn.record["notices"][-1]["code"] == "from_the_future"  # kept as stored
    assert json.loads(to_json(store.get("", conv.id)))["turns"][0]["answer"]["new_field"] == 1


# ------------------------------------------------------------------ CLI
def _cli(capsys, *args):
    code = main(["history", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_show_export_rename_delete(db, tmp_path, capsys):
    store = ConversationStore(db)
    conv = store.create("alice")
    store.append("alice", conv.id, make_answer())
    other = store.create("bob")
    store.append("bob", other.id, make_answer("سؤال بوب"))
    at = ["--history-db", str(db)]

    code, out, _ = _cli(capsys, "list", "--user", "alice", "--json", *at)
    assert code == 0 and [c["id"] for c in json.loads(out)] == [conv.id]
    assert json.loads(out)[0]["turns"] == 1 and json.loads(out)[0]["title"] == BRICS
    code, out, _ = _cli(capsys, "list", "--user", "alice", "--search", "بريكس", *at)
    assert code == 0 and conv.id in out and other.id not in out
    code, out, _ = _cli(capsys, "show", conv.id, "--user", "alice", *at)
    assert code == 0 and "المحكمة الجنائية" in out and "[1] عنوان المقال 1 — art1.txt" in out

    md = tmp_path / "out.md"
    code, _, err = _cli(capsys, "export", conv.id, "--user", "alice", "--format", "md", "--out", str(md), *at)
    assert code == 0 and md.read_text(encoding="utf-8") == to_markdown(store.get("alice", conv.id))
    code, out, _ = _cli(capsys, "export", conv.id, "--user", "alice", "--format", "json", *at)
    assert code == 0 and json.loads(out)["id"] == conv.id

    # bob's conversation through alice's name: not found, never a traceback
    for cmd in (["show", other.id], ["export", other.id], ["rename", other.id, "x"], ["delete", other.id]):
        code, out, err = _cli(capsys, *cmd, "--user", "alice", *at)
        assert code == 1 and "No conversation" in err and "Traceback" not in err and "سؤال بوب" not in out

    code, out, _ = _cli(capsys, "rename", conv.id, "قمة بريكس", "--user", "alice", *at)
    assert code == 0 and store.get("alice", conv.id).title == "قمة بريكس"
    code, out, _ = _cli(capsys, "delete", conv.id, "--user", "alice", *at)
    assert code == 0 and store.list("alice") == [] and [c.id for c in store.list("bob")] == [other.id]


def test_cli_default_database_sits_beside_the_index(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RAG_HISTORY_DB", raising=False)
    index = tmp_path / "data" / "index"
    store = ConversationStore(tmp_path / "data" / "conversations.sqlite3")
    conv = store.create("")
    store.append("", conv.id, make_answer())
    code, out, _ = _cli(capsys, "list", "--index", str(index))
    assert code == 0 and conv.id in out and BRICS in out


def test_cli_corrupt_database_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"\x00garbage" * 64)
    code, out, err = _cli(capsys, "list", "--history-db", str(bad))
    assert code == 1 and "not a readable conversation database" in err and "Traceback" not in err


# ------------------------------------------------------------------ issue 24: exports, full disk, locks, orphans
HOSTILE = ("<img src=x onerror=alert(1)> <script>alert(2)</script> [x](javascript:alert(3)) "
           "![i](javascript:alert(4)) <a href='javascript:alert(5)'>y</a> \u202eعكس\u202c \u2066x\u2069 "
           "[r]: javascript:alert(6)\n[r] a@b.c <javascript:alert(7)> `code` | t |")


def live_elements(markdown: str) -> list[str]:
    """What a permissive Markdown previewer (CommonMark with raw HTML on, GFM tables and
    strikethrough, no link validation) makes of ``markdown`` that could act: any tag
    beyond plain formatting, an on* attribute, a link or image that is not http(s)."""
    from html.parser import HTMLParser

    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # a previewer that trusts every link
    plain = {"h1", "h2", "p", "em", "strong", "blockquote", "ul", "ol", "li", "code", "br", "hr", "pre"}
    found = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag not in plain:
                found.append(f"<{tag} {attrs}>")
            for k, v in attrs:
                if k.startswith("on") or (k in ("href", "src") and not str(v).startswith(("http://", "https://"))):
                    found.append(f"{tag} {k}={v}")

    P().feed(md.render(markdown))
    return found


def test_the_markdown_export_of_a_hostile_conversation_renders_no_live_element(db):
    """A question, answer, title, passage and file name carrying HTML, script, javascript: links
    and bidi overrides: the export escapes them all; the words stay readable."""
    store = ConversationStore(db)
    conv = store.create("", HOSTILE)
    ans = make_answer(HOSTILE, text=f"{HOSTILE} [1].")
    import dataclasses

    ans.passages[0] = dataclasses.replace(ans.passages[0], title=HOSTILE, source="x`<b>`.txt", text=HOSTILE)
    store.append("", conv.id, ans, HOSTILE)
    md = to_markdown(store.get("", conv.id))
    assert live_elements(md) == [], live_elements(md)
    assert not any(ch in md for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert "alert(1)" in md and "عكس" in md and "[1]" in md  # the text is kept, as text
    # the check itself finds what the unescaped text would have made
    assert live_elements(HOSTILE) and live_elements(HOSTILE.replace("<", "").replace(">", ""))


def test_the_cli_export_file_is_readable_by_its_owner_only(db, tmp_path, capsys):
    store = ConversationStore(db)
    conv = store.create("alice")
    store.append("alice", conv.id, make_answer())
    out = tmp_path / "shared" / "alice.md"
    out.parent.mkdir()
    code, _, _ = _cli(capsys, "export", conv.id, "--user", "alice", "--out", str(out), "--history-db", str(db))
    assert code == 0 and out.stat().st_mode & 0o777 == 0o600


def test_a_full_disk_is_said_as_a_full_disk(tmp_path):
    """A real full disk (a 256 KiB tmpfs filled up): SQLite says "disk I/O error", which was
    reported as "make its folder writable"."""
    import subprocess

    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        store = ConversationStore(mnt / "conversations.sqlite3")
        conv = store.create("", "قبل")
        with pytest.raises(OSError), open(mnt / "filler", "wb") as fh:
            while True:
                fh.write(b"x" * 4096)
                fh.flush()
        with pytest.raises(HistoryError) as e:
            for _ in range(100):
                store.append("", conv.id, make_answer())
        assert "is full" in str(e.value) and "writable" not in str(e.value)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_lock_held_by_another_process_is_waited_for_only_as_long_as_asked(db):
    from rag.history import HistoryBusy

    store = ConversationStore(db)
    conv = store.create("")
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        t0 = __import__("time").monotonic()
        with pytest.raises(HistoryBusy):
            store.append("", conv.id, make_answer(), busy_ms=300)
        assert __import__("time").monotonic() - t0 < 5
        assert store.list("")  # reads go on meanwhile (WAL)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.append("", conv.id, make_answer(), busy_ms=300) == 1


def test_conversations_left_without_an_answer_are_purged_after_a_while(db):
    store = ConversationStore(db)
    old, recent, kept = store.create("a", "قديمة"), store.create("a", "جارية"), store.create("b", "لها إجابة")
    store.append("b", kept.id, make_answer())
    with sqlite3.connect(db) as c:
        c.execute("UPDATE conversations SET updated = updated - 7200 WHERE id IN (?, ?)", (old.id, kept.id))
    assert store.purge_empty(3600) == 1
    assert [c.id for c in store.list("a")] == [recent.id] and [c.id for c in store.list("b")] == [kept.id]


def test_a_second_store_on_an_open_database_keeps_this_processs_locks(db):
    """Opening a store used to open and close a descriptor of the database file, which drops
    every POSIX lock the process holds on it: another process closing its connection then
    took itself for the last one, checkpointed and deleted the WAL under this process's feet,
    and the next read here said "database disk image is malformed"."""
    import subprocess
    import sys

    store = ConversationStore(db)
    conv = store.create("", "قبل")
    held = sqlite3.connect(db, isolation_level=None)  # e.g. the chat's export route, or a tool, on the same file
    assert held.execute("SELECT COUNT(*) FROM conversations").fetchone() == (1,)
    ConversationStore(db).list("")  # a second store in this process opens the file
    script = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
              "c.execute(\"UPDATE conversations SET title = 'بعد'\"); c.close()")
    subprocess.run([sys.executable, "-c", script, str(db)], check=True)
    store.append("", conv.id, make_answer())
    assert held.execute("SELECT title FROM conversations").fetchone() == ("بعد",)
    assert ConversationStore(db).get("", conv.id).n_turns == 1
    held.close()
