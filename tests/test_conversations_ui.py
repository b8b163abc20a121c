"""The chat's conversation panel without a server (ui/conversations.py): the
real answering pipeline, a real SQLite file, the handlers Gradio would call."""

import threading
import time
from types import SimpleNamespace

import pytest

from conftest import ARTICLES
from rag.history import ConversationStore
from test_history import BRICS, make_answer
from ui.conversations import Conversations
from ui.history_view import list_html
from ui.inflight import InFlight, detached

FOLLOW_UP = "ومتى زار قرغيزستان؟"


def req(user):
    return SimpleNamespace(username=user or None)


@pytest.fixture
def setup(built_index, tmp_path):
    from rag.settings import load_settings
    from ui.backend import Backend

    be = Backend(load_settings(env={}).replace(index=built_index, corpus=ARTICLES, mode="extractive"))
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    return be, store, Conversations(store, be.articles, wait_s=30)


def _turn(be, convs, question, messages, history, state, user):
    from ui.app import chat_turn

    outs = list(convs.saving(lambda save: chat_turn(be, question, messages, history, 5, "extractive", None, save),
                             question, state, "", req(user)))
    return outs


def test_a_saved_chat_comes_back_exactly_as_it_was_shown(setup):
    be, store, convs = setup
    outs = _turn(be, convs, BRICS, [], [], {"id": "", "user": ""}, "alice")
    state = outs[0][4]  # the new conversation's id reaches the browser with the first update
    assert state["user"] == "alice" and state["id"] and store.get("alice", state["id"], turns=False)
    assert outs[0][6] == BRICS  # the title box, once (a title being typed later is not overwritten)
    _, messages, sources, history, state2, listing, title, md, js = outs[-1]
    # the download buttons link to the export route (ui/exports.py): no file is written
    assert state2 == state and 'rag-conv-current' in listing and md["link"] == f"rag-export/{state['id']}/md"
    outs = _turn(be, convs, FOLLOW_UP, messages, history, state, "alice")
    _, messages, sources, history, *_ = outs[-1]
    assert "بحثت عن:" in messages[-1]["content"]

    # a reload: restore gives the very same chat, sources panel and follow-up history
    got = convs.restore(state, "", req("alice"))
    assert got[0] == messages and got[2] == sources and got[1] == history and got[5] == BRICS
    from ui.exports import markdown_of

    assert got[6]["link"].endswith("/md") and got[7]["link"].endswith("/json")
    text = markdown_of(store.get("alice", state["id"]), "ar")
    assert f"## 2. {FOLLOW_UP}" in text and "**المصادر**" in text
    assert store.get("alice", state["id"]).n_turns == 2 and len(store.list("alice")) == 1


def test_another_users_id_opens_nothing(setup):
    be, store, convs = setup
    outs = _turn(be, convs, BRICS, [], [], {"id": "", "user": ""}, "alice")
    alice = outs[-1][4]
    blank = convs.restore({"id": alice["id"], "user": "bob"}, "", req("bob"))  # a forged state
    assert blank[0] == [] and blank[3] == {"id": "", "user": "bob"} and alice["id"] not in blank[4]
    assert convs.select("", SimpleNamespace(conv=alice["id"]), req("bob"))[0] == []
    assert convs.restore(alice, "", req("bob"))[0] == []  # alice's state in bob's session
    convs.rename({"id": alice["id"], "user": "bob"}, "x", "", req("bob"))
    armed = convs.delete({"id": alice["id"], "user": "bob"}, None, "", req("bob"))[8]
    convs.delete({"id": alice["id"], "user": "bob"}, armed, "", req("bob"))
    assert store.get("alice", alice["id"]).title == BRICS  # untouched
    # bob's own question goes into a conversation of his, not into alice's
    bob = _turn(be, convs, BRICS, [], [], {"id": alice["id"], "user": "bob"}, "bob")[-1][4]
    assert bob["id"] != alice["id"] and store.get("alice", alice["id"]).n_turns == 1
    assert [c.id for c in store.list("bob")] == [bob["id"]]


def test_an_answer_left_by_a_reload_is_finished_saved_and_waited_for(tmp_path):
    """Gradio stops iterating when the page reloads; the answer still ends up
    saved, and the reloaded page waits for it instead of showing it missing."""
    store = ConversationStore(tmp_path / "c.sqlite3")
    convs = Conversations(store, wait_s=30)
    release = threading.Event()

    def turn(on_answer):
        yield ("", [{"role": "user", "content": "q"}], None, None)
        release.wait(30)  # the answer is being written...
        on_answer(BRICS, make_answer())
        yield ("", [{"role": "assistant", "content": "a"}], "sources", [[BRICS, "a"]])

    gen = convs.saving(turn, BRICS, {"id": "", "user": ""}, "", req(""))
    state = next(gen)[4]
    gen.close()  # the browser reloaded: nobody reads this stream any more
    restored = []
    t = threading.Thread(target=lambda: restored.append(convs.restore(state, "", req(""))))
    t.start()
    time.sleep(0.3)
    assert not restored, "the reloaded page did not wait for the answer being written"
    release.set()
    t.join(10)
    messages = restored[0][0]
    assert len(messages) == 2 and "المحكمة الجنائية الدولية" in messages[1]["content"]
    assert store.get("", state["id"]).n_turns == 1


def test_a_question_that_got_no_answer_leaves_no_empty_conversation(setup, tmp_path):
    from ui.backend import Backend
    from rag.settings import load_settings

    _, store, _ = setup
    be = Backend(load_settings(env={}).replace(index=tmp_path / "no-index", corpus=ARTICLES, mode="extractive"))
    convs = Conversations(store, be.articles)
    with pytest.warns(UserWarning):
        outs = _turn(be, convs, BRICS, [], [], {"id": "", "user": ""}, "")
    assert "rag-error" in outs[-2][1][-1]["content"] and store.list("") == []
    assert outs[-1][4] == {"id": "", "user": ""}  # the browser forgets the id it was given


def test_list_html_escapes_titles():
    from rag.history import Conversation

    html = list_html([Conversation('x"><script>', "<img src=x onerror=alert(1)>", 0.0, 0.0, 1)])
    assert "<img" not in html and "<script" not in html and "&lt;img" in html


def test_detached_runs_to_the_end_without_a_reader():
    seen, ended = [], threading.Event()

    def items():
        for i in range(5):
            seen.append(i)
            yield i

    it = detached(items, ended.set)
    assert next(it) == 0
    it.close()
    assert ended.wait(5) and seen == [0, 1, 2, 3, 4]
    flights = InFlight()
    ev = flights.start(("u", "c"))
    assert not flights.wait(("u", "c"), 0.01)
    flights.finish(("u", "c"), ev)
    assert flights.wait(("u", "c"), 0.01) and flights.wait(("u", "other"), 0)


def test_several_logins_from_rag_chat_users(monkeypatch):
    from index.errors import RagError
    from rag.settings import load_settings
    from ui.auth import auth_from_env

    s = load_settings(env={}).replace(host="0.0.0.0")
    monkeypatch.delenv("RAG_CHAT_USER", raising=False)
    monkeypatch.delenv("RAG_CHAT_PASSWORD", raising=False)
    monkeypatch.setenv("RAG_CHAT_USERS", '{"alice": "pw:a,1", "bob": "pw-b"}')
    auth = auth_from_env(s)
    assert auth("alice", "pw:a,1") and auth("bob", "pw-b")
    assert not auth("alice", "pw-b") and not auth("carol", "pw-b")
    monkeypatch.setenv("RAG_CHAT_USER", "admin")
    monkeypatch.setenv("RAG_CHAT_PASSWORD", "root-pw")
    auth = auth_from_env(s)
    assert auth("admin", "root-pw") and auth("bob", "pw-b")
    for bad in ("alice:pw", "[]", '{"alice": ""}', '{"": "x"}', "{}"):
        monkeypatch.setenv("RAG_CHAT_USERS", bad)
        with pytest.raises(RagError, match="RAG_CHAT_USERS must be a JSON object"):
            auth_from_env(s)


def test_the_history_file_sits_beside_the_index_unless_set(tmp_path):
    from rag.settings import load_settings

    s = load_settings(env={}).replace(index=tmp_path / "data" / "index")
    assert s.history_path == tmp_path / "data" / "conversations.sqlite3"
    s = load_settings(env={"RAG_HISTORY_DB": str(tmp_path / "h.db")})
    assert s.history_path == tmp_path / "h.db"


def test_a_damaged_history_file_never_stops_the_chat(setup, tmp_path, capsys):
    be, _, _ = setup
    bad = tmp_path / "damaged.sqlite3"
    junk = b"not a database\x00" * 200
    bad.write_bytes(junk)
    convs = Conversations(ConversationStore(bad), be.articles)
    with pytest.warns(UserWarning, match="تعذّر حفظ المحادثة") as warned:
        outs = _turn(be, convs, BRICS, [], [], {"id": "", "user": ""}, "")
    assert not any(str(tmp_path) in str(w.message) for w in warned)  # no server path to the client
    assert "not a readable conversation database" in capsys.readouterr().err  # the log has it
    answer = [o for o in outs if o[1] is not None and not isinstance(o[1], dict)][-1][1][-1]["content"]
    assert 'class="rag-cite"' in answer  # answered all the same
    blank = convs.restore({"id": "x", "user": ""}, "", req(""))
    assert blank[0] == [] and "تعذّر فتح سجل المحادثات" in blank[4]
    assert bad.read_bytes() == junk  # and the file is left as it was, for the operator to look at


def test_delete_takes_a_second_click_on_the_same_conversation(setup):
    be, store, convs = setup
    state = _turn(be, convs, BRICS, [], [], {"id": "", "user": ""}, "")[-1][4]
    other = _turn(be, convs, FOLLOW_UP, [], [], {"id": "", "user": ""}, "")[-1][4]
    first = convs.delete(state, None, "", req(""))
    assert first[8][0] == state["id"] and "تأكيد" in first[9]["value"] and store.get("", state["id"])  # not yet
    stale = convs.delete(state, (state["id"], first[8][1] - 60), "", req(""))  # a minute later: asks again
    assert stale[8][0] == state["id"] and store.get("", state["id"])
    elsewhere = convs.delete(other, first[8], "", req(""))  # armed on one, clicked on another: asks
    assert elsewhere[8][0] == other["id"] and store.get("", other["id"])
    done = convs.delete(state, first[8], "", req(""))
    assert done[0] == [] and done[3] == {"id": "", "user": ""} and done[8] is None
    assert [c.id for c in store.list("")] == [other["id"]]


def test_a_question_with_markup_titles_its_conversation_without_the_tags(setup):
    """«<b>لماذا…</b>» was saved, and listed, as the title with its tags."""
    be, store, convs = setup
    outs = _turn(be, convs, f"<b>{BRICS}</b>", [], [], {"id": "", "user": ""}, "alice")
    cid = outs[-1][4]["id"]
    assert store.get("alice", cid, turns=False).title == BRICS
    assert outs[0][6] == BRICS  # the title box says it so too
    # a conversation created untitled takes its title from the first stored question, cleaned the same way
    blank = store.create("alice")
    store.append("alice", blank.id, make_answer(), f'<div class="x">{BRICS}</div>')
    assert store.get("alice", blank.id, turns=False).title == BRICS


def test_an_older_answers_sources_come_from_its_stored_turn(setup):
    """A badge of an older answer shows that answer's passages (stored with it), not the latest's."""
    be, store, convs = setup
    outs = _turn(be, convs, BRICS, [], [], {"id": "", "user": ""}, "alice")
    _, messages, first_panel, history, state, *_ = outs[-1]
    outs = _turn(be, convs, "من رافق بوتين إلى كوريا الشمالية؟", messages, history, state, "alice")
    latest_panel = outs[-1][2]
    got = convs.turn_sources(state, "0:123", req("alice"))
    assert got.startswith('<div class="rag-turn-sources" data-turn="0"><div class="rag-turn-note">')
    assert got.endswith(f"{first_panel}</div>") and first_panel != latest_panel and BRICS in got  # says which answer
    assert (convs.turn_sources(state, "1:9", req("alice"))
            == f'<div class="rag-turn-sources" data-turn="1">{latest_panel}</div>')

    # another user's conversation, a turn that does not exist, a malformed pick: nothing changes
    for who, pick in (("bob", "0:1"), ("alice", "7:1"), ("alice", "-1:1"), ("alice", "x")):
        assert not isinstance(convs.turn_sources(state, pick, req(who)), str), (who, pick)


def test_a_conversation_left_without_an_answer_is_neither_listed_nor_reopened(setup):
    """A server killed mid-answer (kill -9) leaves a conversation with no turn: it stayed in
    the list for good, "questions: 0".  Now it is listed only while it is the open one being
    answered, and a page that comes back to it gets an empty chat."""
    be, store, convs = setup
    orphan = store.create("alice", "سؤال لم يُجب")
    answered = _turn(be, convs, BRICS, [], [], {"id": "", "user": ""}, "alice")[-1][4]
    listing = convs.filter(answered, "", req("alice"))
    assert orphan.id not in listing and answered["id"] in listing
    assert orphan.id in convs._list("alice", orphan.id)  # while it is the one being answered
    back = convs.restore({"id": orphan.id, "user": "alice"}, "", req("alice"))
    assert back[0] == [] and back[3] == {"id": "", "user": "alice"} and orphan.id not in back[4]


def test_old_export_copies_in_the_temp_folder_are_removed(tmp_path, monkeypatch):
    from ui.exports import remove_old_copies

    old = tmp_path / "rag-exports-abc" / "c0ffee"
    old.mkdir(parents=True)
    (old / "conversation-c0ffee.md").write_text("سؤال", encoding="utf-8")
    cache = tmp_path / "gradio" / "f00d"
    cache.mkdir(parents=True)
    (cache / "conversation-c0ffee.json").write_text("{}", encoding="utf-8")
    (cache / "article.txt").write_text("مقال", encoding="utf-8")  # an upload: not an export
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    assert remove_old_copies(tmp_path) == 2
    assert not (tmp_path / "rag-exports-abc").exists() and not (cache / "conversation-c0ffee.json").exists()
    assert (cache / "article.txt").exists()
