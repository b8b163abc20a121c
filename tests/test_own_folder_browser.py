"""Issue 23's journey on the user's own folder (not the demo), in a real `rag
chat` driven by Debian's Chromium at 400 px: the Arabic login page right to
left, example questions made from the folder (none of the demo's), an article
replaced by uploading it under its name (asked first), one removed from the
Articles tab (moved aside, recoverable), the index following after a rebuild.
Nothing pins a model's words."""

import json
import re

import pytest
from dev_articles import write_dev_articles
from test_ui_browser import Server, _direction, _shot

from ui.examples import DEMO

pytestmark = pytest.mark.slow

USERS = {"mona": "pw-mona"}


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("own"), {"RAG_CHAT_USERS": json.dumps(USERS)})
    write_dev_articles(srv.corpus)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


def _chips(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('.rag-example')]
        .filter(b => b.getClientRects().length).map(b => b.innerText.trim())""")


def test_own_folder_examples_replace_and_remove_at_400px(own, browser, tmp_path):
    page = browser.new_page(viewport={"width": 400, "height": 860}, locale="ar")
    page.set_default_navigation_timeout(120_000)
    page.goto(own.url)
    page.locator("input[type=password]").wait_for(timeout=120_000)
    assert _direction(page.locator("body")) == "rtl"  # the Arabic login page reads right to left
    _shot(page, "own-login-ar")
    page.locator("input[type=text]").fill("mona")
    page.locator("input[type=password]").fill(USERS["mona"])
    page.get_by_role("button", name=re.compile("Login|تسجيل الدخول")).click()
    page.wait_for_selector("#rag-example-0", state="attached", timeout=120_000)

    # the examples are made from the folder at start-up (in the background): wait for them
    for _ in range(30):
        chips = _chips(page)
        if chips:
            break
        page.wait_for_timeout(2000)
        page.reload()
        page.wait_for_selector("#rag-example-0", state="attached", timeout=120_000)
    assert chips and not set(chips) & set(DEMO), chips
    titles = {p.stem for p in own.corpus.glob("*.txt")}
    assert all(any(t in q for t in titles) for q in chips), chips  # each asks about one of the user's articles
    assert page.evaluate("document.documentElement.scrollWidth") <= 400  # nothing cut off at 400 px
    page.click("#rag-example-0")  # clicking one is answered, not refused
    page.wait_for_selector("#rag-chat .rag-ans:not(.rag-streaming)", timeout=180_000)
    assert page.locator("#rag-chat .rag-ans .rag-abstain").count() == 0
    assert re.search(r"\[\d+\]", page.inner_text("#rag-chat .rag-ans"))
    _shot(page, "own-chat-ar")

    # replace: the same name is refused until asked, then the old version is moved aside
    page.get_by_role("tab", name="المقالات").click()
    page.wait_for_selector("#rag-upload")
    name = "عمر المختار.txt"
    changed = tmp_path / name
    changed.write_text((own.corpus / name).read_text(encoding="utf-8") + "\nفقرة جديدة أضافها المستخدم.\n",
                       encoding="utf-8")
    page.locator("#rag-upload input[type=file]").set_input_files(str(changed))
    page.wait_for_selector("#rag-upload td.filename")
    page.click("#rag-add")
    page.wait_for_selector("#rag-upload-msg .rag-bad", timeout=60_000)
    assert "فقرة جديدة" not in (own.corpus / name).read_text(encoding="utf-8")
    page.locator("#rag-replace input[type=checkbox]").check()
    page.locator("#rag-upload input[type=file]").set_input_files(str(changed))
    page.wait_for_selector("#rag-upload td.filename")
    page.click("#rag-add")
    page.wait_for_selector("#rag-upload-msg .rag-ok", timeout=60_000)
    assert "فقرة جديدة" in (own.corpus / name).read_text(encoding="utf-8")
    old = list((own.corpus / ".removed").rglob(name))
    assert len(old) == 1 and "فقرة جديدة" not in old[0].read_text(encoding="utf-8")
    assert not list(own.corpus.glob("*-2.txt"))

    # remove one from the Articles tab: moved aside, recoverable
    gone = "ابن خلدون.txt"
    text = (own.corpus / gone).read_text(encoding="utf-8")
    page.locator("#rag-remove-pick input").fill(gone)
    page.locator("#rag-remove-pick input").press("Enter")
    page.click("#rag-remove")
    page.wait_for_function("() => document.querySelector('#rag-upload-msg').innerText.includes('.removed')",
                           timeout=60_000)
    assert not (own.corpus / gone).exists()
    assert [p.read_text(encoding="utf-8") for p in (own.corpus / ".removed").rglob(gone)] == [text]
    status = page.inner_text("#rag-status") if page.locator("#rag-status").count() else page.inner_text("body")
    assert gone in status or "أُزيل" in status or "حُذف" in status, status[:500]

    # rebuild: the index follows (one changed, one removed); nothing escapes the 400 px width
    page.click("#rag-rebuild")
    page.wait_for_selector("#rag-build-msg .rag-ok", timeout=300_000)
    summary = page.inner_text("#rag-build-msg")
    assert name.removesuffix(".txt") in summary and gone.removesuffix(".txt") in summary, summary
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    _shot(page, "own-articles-ar")
    page.close()
