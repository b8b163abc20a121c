"""Saved conversations in the real chat: `python -m rag chat` with two logins
(RAG_CHAT_USERS), driven by headless Chromium.  A conversation comes back after
a reload and after a server restart, with its sources; rename, search, export,
delete; and each user sees only their own conversations, even when the browser
asks for another user's by id."""

import json
import re
import time

import pytest

from test_ui_browser import ARTIFACTS, BRICS, COUNT_ANSWERS, MARKER, _wait_answers, running_chat

pytestmark = pytest.mark.slow

USERS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw"}
FOLLOW_UP = "ومتى زار قرغيزستان؟"
ITEMS = "#rag-conv-list li"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_chat(tmp_path_factory, "chat-auth", {"RAG_CHAT_USERS": json.dumps(USERS)}) as srv:
        yield srv


@pytest.fixture(scope="module")
def chromium(browser):
    """Debian's Chromium, as in test_ui_browser.py (skips without it unless RAG_REQUIRE_BROWSER=1)."""
    return browser


def _login(page, server, user):
    page.goto(server.url)
    page.locator("input[type=password]").wait_for(timeout=120_000)
    page.locator("input[type=text]").fill(user)
    page.locator("input[type=password]").fill(USERS[user])
    page.get_by_role("button", name=re.compile("Login|تسجيل الدخول")).click()
    page.wait_for_selector("#rag-example-0", timeout=120_000)


def _context(browser, server, user):
    ctx = browser.new_context(viewport={"width": 1440, "height": 960}, accept_downloads=True, locale="ar")
    page = ctx.new_page()
    page.set_default_navigation_timeout(120_000)
    page.server = server  # for _until's report
    _login(page, server, user)
    return ctx, page


def _until(page, server, condition: str, timeout_s: float = 30) -> None:
    """Wait for a condition in the page; on a timeout say what the page and the server showed."""
    try:
        page.wait_for_function(f"() => {condition}", timeout=timeout_s * 1000)
    except Exception as e:  # noqa: BLE001 - re-raised with the evidence
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "history-timeout.png"))
        raise AssertionError(f"timed out waiting for {condition}: {e}\nanswers: {page.evaluate(COUNT_ANSWERS)}; "
                             f"list: {page.locator('#rag-conv-list').inner_text()!r}\nserver log:\n"
                             f"{server.tail(2000)}") from None


def _items(page) -> list[str]:
    return [t.split("\n")[0] for t in page.locator(ITEMS).all_inner_texts()]


def _wait_items(page, n: int) -> None:
    _until(page, page.server, f"document.querySelectorAll('{ITEMS}').length === {n}")


def _wait_restored(page, n: int) -> None:
    """The page (re)loaded and the saved conversation's n answers are back."""
    _until(page, page.server, f"{COUNT_ANSWERS} === {n}", 60)


def _ask(page, question: str, n: int) -> None:
    page.wait_for_function("() => !document.querySelector('#rag-send').disabled")
    page.fill("#rag-question textarea", question)
    page.click("#rag-send")
    _wait_answers(page, n)


def _title_box(page):
    return page.locator("#rag-conv-title textarea, #rag-conv-title input").first


def _download(page, selector):
    with page.expect_download() as d:
        page.click(selector)
    return open(d.value.path(), encoding="utf-8").read()


def test_a_conversation_comes_back_after_reload_and_restart(server, chromium):
    ctx, page = _context(chromium, server, "alice")
    page.wait_for_selector("#rag-conv-list .rag-convs-empty")  # filled by the page's load, not before
    assert "لا محادثات محفوظة" in page.locator("#rag-conv-list").inner_text()
    page.click("#rag-example-0")
    _wait_answers(page, 1)
    _ask(page, FOLLOW_UP, 2)
    _wait_items(page, 1)
    # two: the dual (CLDR plural rules)
    assert _items(page) == [BRICS] and "سؤالان" in page.locator(ITEMS).first.inner_text()
    answers = page.locator("#rag-chat .rag-ans").all_inner_texts()
    cards = page.locator("#rag-sources .rag-src-cited").all_inner_texts()

    # a reload: the same conversation, its answers with their [n] badges, and the last answer's sources
    page.reload()
    page.wait_for_selector("#rag-example-0")
    _wait_restored(page, 2)
    assert page.locator("#rag-chat .rag-ans").all_inner_texts() == answers and MARKER.search(answers[0])
    assert page.locator("#rag-sources .rag-src-cited").all_inner_texts() == cards and cards
    assert page.locator(f"{ITEMS}.rag-conv-current").count() == 1
    # ...and the follow-up history is back too: the next follow-up is rewritten from it
    _ask(page, "ومن سيرافقه إلى كوريا الشمالية؟", 3)
    assert "بحثت عن:" in page.locator("#rag-chat .rag-ans").last.inner_text()

    # rename, then search by the new title with another spelling (أحمد / احمد)
    _title_box(page).fill("زيارات أحمد والقمة")
    page.click("#rag-conv-rename")
    _until(page, server, f"document.querySelector('{ITEMS}').innerText.includes('زيارات أحمد')")

    # exports: Markdown with numbered sources, and JSON
    md = _download(page, "#rag-export-md")
    assert md.startswith("# زيارات أحمد والقمة") and f"## 1. {BRICS}" in md and "**المصادر**" in md
    assert MARKER.search(md) and "`00" in md  # [n] markers, and the source files
    doc = json.loads(_download(page, "#rag-export-json"))
    assert [t["question"] for t in doc["turns"]][:2] == [BRICS, FOLLOW_UP]
    assert doc["turns"][0]["answer"]["citations"]

    # a new conversation: empty chat, then a second item on top
    page.click("#rag-clear")
    _until(page, server, f"{COUNT_ANSWERS} === 0")
    page.click("#rag-example-1")
    _wait_answers(page, 1)
    _wait_items(page, 2)
    assert _items(page)[1] == "زيارات أحمد والقمة"
    page.locator("#rag-conv-search textarea, #rag-conv-search input").first.fill("احمد")
    _wait_items(page, 1)
    assert _items(page) == ["زيارات أحمد والقمة"]
    page.locator(ITEMS).first.locator("button").click()  # open it from the list
    _wait_restored(page, 3)
    assert _title_box(page).input_value() == "زيارات أحمد والقمة"
    page.locator("#rag-conv-search textarea, #rag-conv-search input").first.fill("")
    _wait_items(page, 2)

    # a server restart: log in again and the open conversation is back
    server.stop()
    server.start()
    _login(page, server, "alice")
    _wait_restored(page, 3)
    assert page.locator("#rag-sources .rag-src-cited").count() >= 1
    assert _items(page) == [_items(page)[0], "زيارات أحمد والقمة"]

    # delete: gone from the list, and not restored by a reload
    page.click("#rag-conv-delete")
    _until(page, server, "document.querySelector('#rag-conv-delete').innerText.includes('تأكيد')")
    assert page.evaluate(COUNT_ANSWERS) == 3  # one click only asks
    page.click("#rag-conv-delete")
    _until(page, server, f"{COUNT_ANSWERS} === 0")
    _wait_items(page, 1)
    assert "زيارات أحمد" not in page.locator("#rag-conv-list").inner_text()
    page.reload()
    page.wait_for_selector("#rag-example-0")
    _wait_items(page, 1)
    time.sleep(1)
    assert page.evaluate(COUNT_ANSWERS) == 0
    ctx.close()


def test_each_user_sees_only_their_own_conversations(server, chromium):
    from rag.history import ConversationStore

    store = ConversationStore(server.root / "conversations.sqlite3")
    ctx, page = _context(chromium, server, "alice")
    if not store.list("alice"):
        page.click("#rag-example-0")
        _wait_answers(page, 1)
    alice_ids = [c.id for c in store.list("alice")]
    assert alice_ids
    page.locator(ITEMS).first.wait_for()
    page.locator(ITEMS).first.locator("button").click()
    _wait_answers(page, 1)

    # bob, in his own browser: none of alice's conversations
    bctx, bob = _context(chromium, server, "bob")
    time.sleep(1)
    bob.wait_for_selector("#rag-conv-list .rag-convs-empty")
    assert "لا محادثات محفوظة" in bob.locator("#rag-conv-list").inner_text()
    assert bob.evaluate(COUNT_ANSWERS) == 0
    bob.click("#rag-example-2")
    _wait_answers(bob, 1)
    _wait_items(bob, 1)
    assert [c.id for c in store.list("bob")] != alice_ids and len(store.list("bob")) == 1

    # a forged list item with alice's id: bob's page opens nothing of hers
    bob.evaluate("""id => document.querySelector('#rag-conv-list ul').insertAdjacentHTML('beforeend',
        '<li><button type="button" data-conv="' + id + '" id="forged">x</button></li>')""", alice_ids[0])
    bob.click("#forged")
    _until(bob, server, f"{COUNT_ANSWERS} === 0")
    time.sleep(0.5)
    assert BRICS not in bob.locator("#rag-chat").inner_text()

    # bob logs in on alice's browser: her open conversation (kept in that browser) does not show
    ctx.clear_cookies()
    _login(page, server, "bob")
    _wait_items(page, 1)
    time.sleep(1)
    assert page.evaluate(COUNT_ANSWERS) == 0 and [c.id for c in store.list("bob")][0] in page.content()
    assert not any(i in page.content() for i in alice_ids)
    ctx.close()
    bctx.close()


def test_a_reload_mid_answer_brings_the_answer_back(server, chromium):
    """The issue: a reload while the answer streamed came back with the
    conversation gone.  The model writes slowly enough here to reload mid-way."""
    ctx, page = _context(chromium, server, "carol")
    page.click("#rag-settings")
    page.get_by_label("توليدي (نموذج لغوي)").check()
    page.fill("#rag-question textarea", BRICS)
    page.click("#rag-send")
    page.wait_for_selector("#rag-chat .rag-streaming", timeout=60_000)
    from rag.history import ConversationStore

    pending = [c.n_turns for c in ConversationStore(server.root / "conversations.sqlite3").list("carol")]
    page.reload()
    print(f"\nturns saved when the page reloaded: {pending} (the question's conversation, its answer not yet)")
    page.wait_for_selector("#rag-example-0")
    _until(page, server, f"{COUNT_ANSWERS} === 1", 300)  # the page waits for the answer it left
    assert BRICS in page.locator("#rag-chat").inner_text()
    assert page.locator("#rag-chat .rag-streaming").count() == 0
    _wait_items(page, 1)
    assert _items(page) == [BRICS]
    ctx.close()


def test_on_a_phone_the_chat_comes_before_the_list(server, chromium):
    """On a 390 px phone the list (first column) pushed the chat 810 px down, off the screen."""
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, locale="ar")
    page = ctx.new_page()
    page.server = server
    _login(page, server, "bob")
    # both laid out (the page can still be settling after the login's reload)
    top = "sel => document.querySelector(sel).getBoundingClientRect().top"
    page.wait_for_function("() => ['#rag-chat', '#rag-convs-col'].every(s => document.querySelector(s))")
    assert page.evaluate(top, "#rag-chat") < 844 < page.evaluate(top, "#rag-convs-col")
    ctx.close()
    ctx = chromium.new_context(viewport={"width": 1440, "height": 960}, locale="ar")
    page = ctx.new_page()
    _login(page, server, "bob")
    page.wait_for_function("() => ['#rag-chat', '#rag-convs-col'].every(s => document.querySelector(s))")
    assert page.evaluate(top, "#rag-chat") == page.evaluate(top, "#rag-convs-col")  # beside it on a wide screen
    ctx.close()
