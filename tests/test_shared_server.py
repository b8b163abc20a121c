"""A chat server people share (issue 24): a real `rag chat` with two logins
(alice, the admin, and bob), its own temp folder, a real SQLite file, real
HTTP.  What a user said stays in the database (mode 600) and reaches only
them; the Markdown export renders no live element; only the admin changes
the articles; a locked database does not hold the answer slot; a full queue
is refused in the client's language; a conversation left without an answer
by a killed server is gone after the restart."""

import json
import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
from conftest import ARTICLES
from test_history import live_elements

from rag.history import ConversationStore
from rag.settings import Settings

pytestmark = pytest.mark.slow

USERS = {"alice": "pw-alice", "bob": "pw-bob"}
SECRET = "zq7alicesecret"  # in alice's questions only: no file outside the database may hold it
HOSTILE_ARTICLE = ("مهرجان التمور في الواحة الخضراء <img src=x onerror=alert(1)>\n"
                   "يقام مهرجان التمور السنوي في مدينة الواحة الخضراء في شهر أكتوبر من كل عام "
                   "[انقر](javascript:alert(2)) <script>alert(3)</script> \u202eويشارك فيه مئتا مزارع.\n")
QUESTION = (f"متى يقام مهرجان التمور في الواحة الخضراء؟ {SECRET} "
            "<img src=x onerror=alert(4)> [x](javascript:alert(5)) \u202e")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    from eval.bench.load import start_chat
    from eval.bench.memory import stop
    from index.build import build_index

    root = tmp_path_factory.mktemp("shared")
    corpus, index, tmp = root / "articles", root / "data" / "index", root / "tmp"
    shutil.copytree(ARTICLES, corpus)
    build_index(corpus, index)
    tmp.mkdir()
    db = root / "data" / "conversations.sqlite3"
    # what a server killed mid-answer leaves: a conversation with no answer, two hours old
    orphan = ConversationStore(db).create("alice", "سؤال بلا إجابة")
    c = sqlite3.connect(db)  # closed: a connection left open here loses its locks when a test reads the files
    c.execute("UPDATE conversations SET updated = updated - 7200 WHERE id = ?", (orphan.id,))
    c.commit()
    c.close()
    env = {"RAG_CHAT_USERS": json.dumps(USERS), "RAG_CHAT_ADMINS": "alice", "RAG_MODE": "extractive",
           "RAG_QUEUE_SIZE": "1", "TMPDIR": str(tmp), "GRADIO_TEMP_DIR": str(tmp / "gradio")}
    p, port = start_chat(Settings(index=index, corpus=corpus), root, env=env, log_name="shared")
    url = f"http://127.0.0.1:{port}/"
    for _ in range(120):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    try:
        yield {"url": url, "root": root, "db": db, "tmp": tmp, "corpus": corpus, "orphan": orphan.id, "proc": p}
    finally:
        stop(p)


def _client(srv, user):
    from gradio_client import Client

    return Client(srv["url"], auth=(user, USERS[user]), verbose=False)


@contextmanager
def _http(srv, user=None, lang="ar"):
    with httpx.Client(base_url=srv["url"], timeout=60, headers={"Accept-Language": lang}) as c:
        if user:
            assert c.post("login", data={"username": user, "password": USERS[user]}).status_code == 200
        yield c


def test_only_the_admin_changes_the_articles(shared, tmp_path):
    from gradio_client import handle_file

    f = tmp_path / "festival.txt"
    f.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    bob = _client(shared, "bob")
    for call in (lambda: bob.predict([handle_file(str(f))], api_name="/upload"),
                 lambda: bob.predict(api_name="/rebuild"),
                 lambda: bob.predict(sorted(p.name for p in shared["corpus"].glob("*.txt"))[0], api_name="/remove")):
        with pytest.raises(Exception) as e:
            call()
        assert "لا يحق لهذا الحساب" in str(e.value), e.value
    assert not (shared["corpus"] / "festival.txt").exists() and not (shared["corpus"] / ".removed").exists()
    alice = _client(shared, "alice")
    msg, *_ = alice.predict([handle_file(str(f))], api_name="/upload")
    assert "✓" in msg and (shared["corpus"] / "festival.txt").exists()
    summary, _, _ = alice.predict(api_name="/rebuild")
    assert "festival.txt" in summary


def test_a_saved_turn_is_its_owners_alone_on_disk_and_over_http(shared):
    alice = _client(shared, "alice")
    alice.predict(QUESTION, api_name="/chat")
    store = ConversationStore(shared["db"])
    (conv,) = [c for c in store.list("alice") if c.n_turns]
    assert shared["orphan"] not in [c.id for c in store.list("alice")]  # purged at the start

    # nothing alice said is in any file of the temp folder (Gradio's cache included), nor a copy anywhere
    # outside the database, whose files are hers (the server's account's) alone
    for path in shared["tmp"].rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    for path in shared["root"].rglob("*"):
        if path.is_file() and SECRET.encode() in path.read_bytes():
            assert path.name.startswith("conversations.sqlite3") and path.stat().st_mode & 0o077 == 0, path

    # the download is made when she asks, for her only
    with _http(shared, "alice") as c:
        r = c.get(f"rag-export/{conv.id}/md")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        assert r.headers["cache-control"].startswith("no-store")
        md = r.text
        assert SECRET in md and "مهرجان التمور" in md
        assert live_elements(md) == [], live_elements(md)
        assert not any(ch in md for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
        doc = c.get(f"rag-export/{conv.id}/json").json()
        assert doc["id"] == conv.id and SECRET in doc["turns"][0]["question"]
    with _http(shared, "bob") as c:
        r = c.get(f"rag-export/{conv.id}/md")
        assert r.status_code == 404 and SECRET not in r.text
    with _http(shared) as c:
        assert c.get(f"rag-export/{conv.id}/md").status_code == 401
    for path in shared["tmp"].rglob("*"):  # the download wrote nothing either
        assert not path.is_file() or SECRET.encode() not in path.read_bytes(), path


def test_a_database_locked_by_another_process_does_not_hold_the_answer_slot(shared):
    alice = _client(shared, "alice")
    before = len(ConversationStore(shared["db"]).list("alice"))
    other = sqlite3.connect(shared["db"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writes, and keeps the lock
    try:
        t0 = time.monotonic()
        alice.predict(f"متى زار بوتين قرغيزستان؟ {SECRET}2", api_name="/chat")
        took = time.monotonic() - t0
    finally:
        other.execute("ROLLBACK")
        other.close()
    # before: 10 s waiting to create the conversation, 10 s more to append the turn, in the slot
    print(f"a turn with the database locked by another process: {took:.2f} s")
    assert took < 8, took
    store, deadline = ConversationStore(shared["db"]), time.monotonic() + 30
    while len(store.list("alice")) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    saved = [c for c in store.list("alice") if c.n_turns]
    assert any(f"{SECRET}2" in t.question for c in saved for t in store.get("alice", c.id).turns)


def test_a_full_queue_is_refused_in_the_clients_language(shared):
    """RAG_QUEUE_SIZE=1 and 24 /ask calls at once: those beyond the line are refused (HTTP 503)
    with the chat's own sentence, Arabic or English by Accept-Language, never Gradio's English."""
    with _http(shared, "alice") as c:
        cookies = dict(c.cookies)
        deps = c.get("config").json()["dependencies"]
    fn = next(i for i, d in enumerate(deps) if d.get("api_name") == "ask")
    fn = deps[fn].get("id", fn)
    got, go = [], threading.Event()

    def join(i):
        lang = "ar" if i % 2 else "en"
        body = {"data": ["لماذا تغيب بوتين عن قمة بريكس؟", "", 0, "", None], "fn_index": fn,
                "session_hash": f"burst{i}", "event_data": None, "trigger_id": None}
        go.wait(30)
        r = httpx.post(shared["url"] + "gradio_api/queue/join", json=body, cookies=cookies, timeout=60,
                       headers={"Accept-Language": lang})
        got.append((lang, r.status_code, r.text))

    threads = [threading.Thread(target=join, args=(i,)) for i in range(24)]
    for th in threads:
        th.start()
    go.set()
    for th in threads:
        th.join(90)
    refused = [(lang, text) for lang, code, text in got if code == 503]
    assert len(got) == 24 and refused, got
    for lang, text in refused:
        detail = json.loads(text)["detail"]
        assert "Queue is full" not in detail
        assert ("قائمة الانتظار ممتلئة" in detail) if lang == "ar" else detail.startswith("The server is busy"), detail


def test_the_articles_tab_says_who_may_change_the_articles(shared, browser):
    for user, says in (("bob", "لست منهم"), ("alice", "أنت منهم")):
        page = browser.new_page(viewport={"width": 1440, "height": 960}, locale="ar")
        page.goto(shared["url"])
        page.locator("input[type=password]").fill(USERS[user])
        page.locator("input[type=text]").fill(user)
        page.locator("button", has_text="تسجيل الدخول").or_(page.locator("button", has_text="Login")).first.click()
        page.wait_for_selector("#rag-example-0", timeout=120_000)
        page.get_by_role("tab", name="المقالات").click()
        page.wait_for_function("() => (document.querySelector('#rag-who')||{}).innerText", timeout=30_000)
        text = page.locator("#rag-who").inner_text()
        assert "للمشرفين فقط (alice)" in text and says in text, text
        page.close()
