"""The chat UI's pure parts: HTML rendering (escaping, citation badges,
unsupported sentences, abstentions, sources panel), upload file names and
saving, index status, and the launch checks.  No browser, no server."""

import re
from pathlib import Path

import pytest
from conftest import ARTICLES

from index.errors import RagError
from index.load import SUPPORTED
from index.store import IndexStore
from rag.answer import Answer, Assistant, Passage
from rag.cite import Citation, SentenceCheck
from rag.notices import Code, Notice
from ui.i18n import t
from rag.settings import load_settings
from ui.articles import (
    MAX_NAME_CHARS,
    ArticleTexts,
    article_files,
    remove_article,
    UploadError,
    index_status,
    sanitize_filename,
    save_upload,
    status_html,
)
from ui.auth import auth_from_env
from ui.render import (
    answer_html,
    cited_spans,
    context_html,
    sources_html,
    streaming_html,
    text_with_badges,
    user_html,
)

BRICS = "لماذا تغيب بوتين عن قمة بريكس؟"
MARKER_RE = re.compile(r"\[\d+\]")
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _passage(n, text, cited=True, title="عنوان", source="a.txt", start=0):
    return Passage(n=n, chunk_id=f"c{n}", article_id=source, title=title, source=source, start=start,
                   end=start + len(text), text=text, score=0.1234, dense=0.5, bm25=3.2, cited=cited)


def _answer(text, sentences, passages, citations=(), abstained=False, query=None, notices=()):
    return Answer(question="سؤال", query=query or "سؤال", text=text, language="ar", mode="extractive",
                  abstained=abstained, citations=list(citations), sentences=list(sentences),
                  passages=list(passages), confidence=0.5, notices=list(notices), timings={"total": 1.25})


def _cite(p, inferred=False):
    return Citation(n=p.n, chunk_id=p.chunk_id, title=p.title, source=p.source, start=p.start, end=p.end,
                    text=p.text, inferred=inferred)


def _no_raw_tags(html: str) -> None:
    assert "<script" not in html and "<img" not in html  # escaped, so inert text


# ------------------------------------------------------------------ rendering
def test_markers_become_badges_and_text_is_escaped():
    html = text_with_badges(f"غاب بوتين {EVIL} [1] وعاد [2, 3].", {1: "<b>t</b>"})
    _no_raw_tags(html)
    assert "&lt;script&gt;" in html and "&lt;b&gt;t&lt;/b&gt;" in html
    assert [m for m in re.findall(r'<sup class="rag-cite" data-n="(\d+)"', html)] == ["1", "2", "3"]
    assert re.sub(r"<[^>]+>", "", html).count("[1]") == 1  # the marker stays in the text (copy, tests)


def test_answer_html_marks_unsupported_sentences():
    p1 = _passage(1, "لم يحضر بوتين قمة بريكس في جنوب أفريقيا.")
    text = "لم يحضر بوتين قمة بريكس [1]. وقد زار المريخ في 2019."
    ans = _answer(text, [SentenceCheck("لم يحضر بوتين قمة بريكس.", (1,), True, 1.0),
                         SentenceCheck("وقد زار المريخ في 2019.", (), False, 0.0)], [p1], [_cite(p1)])
    html = answer_html(ans)
    unsupported = re.findall(r'<span class="rag-sent rag-unsupported" title="([^"]+)">(.*?)<span class="rag-flag">',
                             html)
    assert len(unsupported) == 1 and unsupported[0][0] == t("ar", "unsupported") and "المريخ" in unsupported[0][1]
    assert html.count('class="rag-sent"') == 1  # the supported one is plain
    assert 'data-n="1"' in html and "rag-abstain" not in html
    assert "\n\n" not in html  # one HTML block for the chat's Markdown renderer


def test_answer_html_escapes_everything():
    p1 = _passage(1, EVIL, title=EVIL, source=EVIL)
    ans = _answer(f"{EVIL} [1].", [SentenceCheck(EVIL, (1,), True, 1.0)], [p1], [_cite(p1)],
                  query=EVIL, notices=[Notice(Code.LLM_FAILED, detail=EVIL)])
    for html in (answer_html(ans), sources_html(ans, lambda p: EVIL + p.text + EVIL), streaming_html(EVIL),
                 user_html(EVIL)):
        _no_raw_tags(html)
        assert "&lt;script&gt;" in html


def test_abstention_is_labelled_and_sources_show_closest_passages():
    ps = [_passage(1, "نص عن قرغيزستان.", cited=False), _passage(2, "نص عن كوريا.", cited=False)]
    ans = _answer("لا تذكر المقالات المتاحة إجابة عن هذا السؤال.", [], ps, abstained=True)
    html = answer_html(ans)
    assert "rag-abstain" in html and t("ar", "abstain") in html
    src = sources_html(ans)
    assert t("ar", "abstain") in src and "قرغيزستان" in src and "كوريا" in src
    assert "<details class=\"rag-uncited\"" not in src  # closest passages shown, not collapsed


def test_followup_query_and_notices_are_shown():
    p1 = _passage(1, "زار بوتين قرغيزستان في أكتوبر.")
    ans = _answer("زار بوتين قرغيزستان في أكتوبر [1].",
                  [SentenceCheck("زار بوتين قرغيزستان في أكتوبر.", (1,), True, 1)],
                  [p1], [_cite(p1)], query="متى زار بوتين قرغيزستان",
                  notices=[Notice(Code.QUESTION_TRUNCATED, 2000, 1000)])
    html = answer_html(ans)
    assert "بحثت عن:" in html and "متى زار بوتين قرغيزستان" in html
    assert "استُخدم أوله وآخره (1000 حرف)" in html  # known notices shown in Arabic


def test_sources_panel_highlights_cited_sentences_and_collapses_the_rest():
    p1 = _passage(1, "زار بوتين قرغيزستان. ولم يحضر قمة بريكس في جنوب أفريقيا لأنها عضو في المحكمة. الطقس حار.")
    p2 = _passage(2, "نص آخر لم يستشهد به.", cited=False)
    ans = _answer("لم يحضر بوتين قمة بريكس [1].", [SentenceCheck("لم يحضر بوتين قمة بريكس.", (1,), True, 1.0)],
                  [p1, p2], [_cite(p1)])
    html = sources_html(ans, lambda p: "قبل. " + p.text + " بعد." if p.n == 1 else None)
    marks = re.findall(r'<mark class="rag-hl">(.*?)</mark>', html)
    assert marks == ["ولم يحضر قمة بريكس في جنوب أفريقيا لأنها عضو في المحكمة."]
    cited, _, rest = html.partition('<details class="rag-uncited">')
    assert "rag-src-cited" in cited and "نص آخر" in rest and "(1)" in rest
    assert '<details class="rag-context">' in cited and '<mark class="rag-ctx-passage">' in cited


def test_source_cards_show_rank_and_the_answer_its_confidence():
    """The fused score (about 0.18 for every passage) is not shown; the
    card's rank is, and the answer's calibrated confidence beside the count."""
    from dataclasses import replace

    p1, p2 = _passage(1, "زار بوتين قرغيزستان."), _passage(2, "نص آخر.", cited=False)
    ans = replace(_answer("زار بوتين قرغيزستان [1].", [SentenceCheck("زار بوتين قرغيزستان.", (1,), True, 1.0)],
                          [p1, p2], [_cite(p1)]), confidence=0.834)
    ar, en = sources_html(ans), sources_html(ans, lang="en")
    assert "المرتبة 1 في البحث" in ar and "المرتبة 2 في البحث" in ar and "<bdi>83٪</bdi>" in ar
    assert "search rank 2" in en and "83 %" in en
    visible = re.sub(r'title="[^"]*"', "", ar)
    assert f"{p1.score:.3f}" not in visible and "الدرجة" not in visible


def test_highlight_is_the_evidence_the_checker_accepted():
    """The checker accepted the reason sentence for a 'why' question; the words
    of the answer overlap the other sentence more, and re-scoring them without
    the question marked it instead."""
    text = "غاب بوتين عن قمة بريكس في جنوب أفريقيا. والسبب أن جنوب أفريقيا عضو في المحكمة الجنائية الدولية."
    p1 = _passage(1, text)
    check = SentenceCheck("غاب بوتين عن قمة بريكس في جنوب أفريقيا لأنها عضو في المحكمة.", (1,), True, 0.8,
                          evidence="والسبب أن جنوب أفريقيا عضو في المحكمة الجنائية الدولية.")
    html = sources_html(_answer(check.text + " [1]", [check], [p1], [_cite(p1)]))
    assert re.findall(r'<mark class="rag-hl">(.*?)</mark>', html) == [check.evidence]


def test_cited_spans_and_context():
    p = "أ ب ج. غاب بوتين عن قمة بريكس. د ه و."
    assert [p[s:e] for s, e in cited_spans(p, ["غاب بوتين عن بريكس"])] == ["غاب بوتين عن قمة بريكس."]
    assert cited_spans(p, ["لا علاقة"]) == set()
    art = "كلمة " * 200 + "<المقطع>" + " كلمة" * 200
    start = art.index("<المقطع>")
    html = context_html(art, start, start + len("<المقطع>"), chars=50)
    assert (html.startswith("… ") and html.endswith(" …")
            and '<mark class="rag-ctx-passage">&lt;المقطع&gt;</mark>' in html)
    assert len(html) < 400


def test_real_answer_renders(built_index):
    s = load_settings(env={}).replace(index=built_index, corpus=ARTICLES)
    ans = Assistant(s, store=IndexStore.load(built_index)).ask(BRICS, mode="extractive")
    html = answer_html(ans)
    assert re.search(r'<sup class="rag-cite" data-n="\d+"', html)
    src = sources_html(ans, ArticleTexts(ARTICLES))
    assert "جنوب أفريقيا" in src and "المحكمة الجنائية الدولية" in src and '<mark class="rag-hl">' in src
    assert src.count('<mark class="rag-ctx-passage">') == len(ans.passages)  # every passage found in its article


# ------------------------------------------------------------------ uploads
NASTY = [
    ("../../evil.txt", "evil.txt"),
    ("..\\..\\x.md", "x.md"),
    ("..\\x.md", "x.md"),
    ("/etc/passwd", None),
    ("/etc/cron.d/evil.txt", "evil.txt"),
    ("a<b>.html", "a_b.html"),
    ("", None),
    (".hidden.txt", "hidden.txt"),
    ("....txt", "article.txt"),
    ("x.exe", None),
    ("x.txt.exe", None),
    ("x.txt\x00.exe", None),
    ("evil\u202etxt.exe", None),
    ("notes.TXT", "notes.txt"),
    ("CON.txt", "_CON.txt"),
    ("مقال جديد.md", "مقال جديد.md"),
    ("a/../../../b.jsonl", "b.jsonl"),
    ("C:\\Windows\\system.htm", "system.htm"),
    ("x" * 5000 + ".txt", "x" * (MAX_NAME_CHARS - 4) + ".txt"),
    ("a" * 300, None),
]


@pytest.mark.parametrize("name,expected", NASTY, ids=[repr(n)[:40] for n, _ in NASTY])
def test_sanitize_filename(name, expected):
    if expected is None:
        with pytest.raises(UploadError):
            sanitize_filename(name)
        return
    out = sanitize_filename(name)
    assert out == expected
    assert "/" not in out and "\\" not in out and not out.startswith(".") and ".." not in out
    assert Path(out).suffix in SUPPORTED and len(out) <= MAX_NAME_CHARS


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    src = tmp_path / "incoming" / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(data)
    return src


ARTICLE = "مهرجان التمور\nيقام مهرجان التمور السنوي في مدينة الواحة الخضراء في شهر أكتوبر من كل عام.\n".encode()


def test_save_upload_never_overwrites_nor_escapes(tmp_path):
    corpus = tmp_path / "deep" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "evil.txt").write_text("موجود من قبل ولا يُستبدل أبداً هنا.", encoding="utf-8")
    src = _file(tmp_path, "up.txt", ARTICLE)
    other = _file(tmp_path, "up2.txt", ARTICLE + "\nسطر إضافي يجعل الملف مختلفاً.".encode())
    before = {p for p in tmp_path.rglob("*") if corpus not in p.parents}
    # the same name with other text: asked, not saved as «evil-2.txt» beside it (both were indexed and cited)
    with pytest.raises(UploadError, match="لاستبداله") as refused:
        save_upload(src, "../../evil.txt", corpus)
    assert "Replace the article of the same name" in refused.value.text("en")
    assert sorted(p.name for p in corpus.iterdir()) == ["evil.txt"]
    assert (corpus / "evil.txt").read_text(encoding="utf-8").startswith("موجود")
    first = save_upload(src, "../../evil.txt", corpus, replace=True)  # replaced: the old one moved aside, kept
    assert first.path == corpus / "evil.txt" and first.path.read_bytes() == ARTICLE
    old = corpus / first.replaced
    assert first.replaced.startswith(".removed/") and old.read_text(encoding="utf-8").startswith("موجود")
    assert "استُبدل «evil.txt»" in first.text("ar") and ".removed/" in first.text("en")
    second = save_upload(other, "evil.txt", corpus, replace=True)
    assert second.path.read_bytes() != ARTICLE and len(list((corpus / ".removed").rglob("evil.txt"))) == 2
    with pytest.raises(UploadError, match="موجود بالفعل"):  # the same bytes again: not indexed twice
        save_upload(src, "copy.txt", corpus)
    assert {p for p in tmp_path.rglob("*") if corpus not in p.parents} == before  # nothing written outside
    assert not list(corpus.glob(".upload-*"))  # staging file removed


@pytest.mark.parametrize("data,reason", [
    (b"\x00\x01binary" * 10, "ملف ثنائي"),
    ("نص عربي".encode("cp1256") * 20, "UTF-8"),
    (b"   \n", "فارغ"),
])
def test_save_upload_refuses_unreadable_files(tmp_path, data, reason):
    corpus = tmp_path / "corpus"
    with pytest.raises(UploadError, match=reason):
        save_upload(_file(tmp_path, "x.txt", data), "x.txt", corpus)
    assert list(corpus.iterdir()) == []


def test_save_upload_refuses_large_and_foreign_files(tmp_path):
    corpus = tmp_path / "corpus"
    with pytest.raises(UploadError, match="ميغابايت"):
        save_upload(_file(tmp_path, "big.txt", ARTICLE * 1000), "big.txt", corpus, max_bytes=10_000)
    with pytest.raises(UploadError, match=r"\.exe"):
        save_upload(_file(tmp_path, "x.exe", ARTICLE), "x.exe", corpus)
    assert list(corpus.iterdir()) == []


# ------------------------------------------------------------------ status, launch checks
def test_index_status_reports_stale_files(built_index, corpus):
    manifest = IndexStore.load(built_index).manifest
    assert index_status(corpus, manifest)["new"] == []
    save_upload(_file(corpus.parent, "n.txt", ARTICLE), "new.txt", corpus)
    st = index_status(corpus, manifest)
    assert st["new"] == ["new.txt"] and st["changed"] == [] and st["missing"] == []
    html = status_html(corpus, manifest)
    assert "أُضيف إلى المجلد: مقالة واحدة" in html and "new.txt" in html and "لإضافتها" not in html
    # removed (moved aside, recoverable): the status says removed, not "rebuild to add it"
    moved = remove_article(corpus, [f for f in article_files(corpus) if f != "new.txt"][0])
    assert (corpus / moved).is_file() and moved.startswith(".removed/")
    st = index_status(corpus, manifest)
    assert len(st["missing"]) == 1 and ".removed" not in " ".join(a for a, _, _ in st["articles"])
    html = status_html(corpus, manifest, lang="en")
    assert "removed from the folder: 1 article" in html and "added to the folder: 1 article" in html
    with pytest.raises(UploadError):
        remove_article(corpus, moved)  # the removed folder is not an article
    with pytest.raises(UploadError):
        remove_article(corpus, "../outside.txt")
    assert "لا يوجد فهرس" in status_html(corpus, None)


def test_article_texts_refuses_paths_outside_the_corpus():
    texts = ArticleTexts(ARTICLES)
    p = _passage(1, "x", source="../../etc/passwd")
    assert texts(p) is None


@pytest.mark.parametrize("host,user,password,ok", [
    ("127.0.0.1", "", "", True),
    ("localhost", "", "", True),
    ("::1", "", "", True),
    ("0.0.0.0", "", "", False),
    ("0.0.0.0", "u", "p", True),
    ("127.0.0.1", "u", "", False),
])
def test_auth_required_off_loopback(monkeypatch, host, user, password, ok):
    monkeypatch.setenv("RAG_CHAT_USER", user)
    monkeypatch.setenv("RAG_CHAT_PASSWORD", password)
    s = load_settings(env={}).replace(host=host)
    if ok:
        auth = auth_from_env(s)
        assert (auth is None) == (not user)
        if auth:
            assert auth(user, password) and not auth(user, password + "x") and not auth("other", password)
    else:
        with pytest.raises(RagError):
            auth_from_env(s)


def test_a_public_share_link_requires_a_password(monkeypatch):
    monkeypatch.delenv("RAG_CHAT_USER", raising=False)
    monkeypatch.delenv("RAG_CHAT_PASSWORD", raising=False)
    s = load_settings(env={}).replace(host="127.0.0.1")
    assert auth_from_env(s) is None
    with pytest.raises(RagError, match="--share"):
        auth_from_env(s, share=True)
    monkeypatch.setenv("RAG_CHAT_USER", "u")
    monkeypatch.setenv("RAG_CHAT_PASSWORD", "p")
    assert auth_from_env(s, share=True)("u", "p")


def test_repeated_wrong_passwords_lock_the_login(capsys):
    from ui.auth import LoginCheck

    now = [0.0]
    check = LoginCheck("u", "secret", clock=lambda: now[0])
    for i in range(30):  # the attack: 30 guesses in a burst
        now[0] += 0.01
        assert not check("u", f"guess{i}")
    assert not check("u", "secret")  # the right one is refused while locked
    assert "locked" in capsys.readouterr().err
    now[0] += LoginCheck.WINDOW_S + 1
    assert check("u", "secret")  # the window passed


def test_login_lockout_is_per_client_and_catches_spraying():
    """The lockout was global: anyone's 5 bad guesses locked every user out."""
    from ui.auth import LoginCheck

    now = [0.0]
    check = LoginCheck({"a": "x", "b": "y"}, clock=lambda: now[0])
    for i in range(LoginCheck.MAX_FAILURES):
        assert not check("a", f"g{i}", client="10.0.0.1")
    assert not check("a", "x", client="10.0.0.1")  # locked there
    assert check("a", "x", client="10.0.0.2") and check("b", "y", client="10.0.0.1")  # not elsewhere, not b
    for i in range(LoginCheck.MAX_ADDRESS_FAILURES):  # one address, a new name each time
        assert not check(f"user{i}", "pw", client="10.0.0.3")
    assert not check("b", "y", client="10.0.0.3")
    now[0] += LoginCheck.WINDOW_S + 1
    assert check("b", "y", client="10.0.0.3") and check("a", "x", client="10.0.0.1")


def test_locked_records_are_never_evicted_and_each_address_is_rate_limited(capsys):
    """10,001 junk names from loopback pushed a locked record out of the
    10,000-entry table.  Now expired records go first, then unlocked ones; the
    locked one stays until its window has passed.  And one address gets
    ``rate_per_minute`` logins a minute, loopback included."""
    from ui.auth import LoginCheck

    now = [0.0]
    check = LoginCheck({"alice": "pw"}, clock=lambda: now[0], rate_per_minute=10**9)
    for i in range(LoginCheck.MAX_FAILURES):
        assert not check("alice", f"g{i}", client="127.0.0.1")
    for i in range(LoginCheck.MAX_TRACKED + 1):
        now[0] += 0.001
        check(f"junk{i}", "x", client="127.0.0.1")
    assert len(check._failures) <= LoginCheck.MAX_TRACKED + 1
    assert not check("alice", "pw", client="127.0.0.1")  # still locked
    now[0] += LoginCheck.WINDOW_S + 1
    for i in range(LoginCheck.MAX_TRACKED + 1):  # the expired records are dropped first
        check(f"new{i}", "x", client="127.0.0.1")
    assert len(check._failures) <= LoginCheck.MAX_TRACKED
    assert check("alice", "pw", client="127.0.0.1")

    now[0] = 0.0
    check = LoginCheck({"alice": "pw"}, clock=lambda: now[0], rate_per_minute=3)
    assert [check(f"junk{i}", "x", client="127.0.0.1") for i in range(3)] == [False] * 3
    assert not check("alice", "pw", client="127.0.0.1")  # this minute's logins are used
    assert "attempts a minute" in capsys.readouterr().err
    assert check("alice", "pw", client="127.0.0.2")  # another address
    now[0] += 61
    assert check("alice", "pw", client="127.0.0.1")


# ------------------------------------------------------------------ handlers (no server)
def _backend(index, corpus):
    from ui.backend import Backend

    return Backend(load_settings(env={}).replace(index=index, corpus=corpus, mode="extractive"))


def test_clients_choose_only_offered_models_and_paths_are_never_echoed(built_index, tmp_path):
    """Each spelling of a model path loaded another copy; a reply told whether
    a server path existed.  Now anything not in the settings list gets the
    same refusal, and at most one model besides the default stays loaded."""
    import gradio as gr

    from rag.models import bundled_gguf
    from ui.app import ask_api

    be = _backend(built_index, tmp_path)
    real = str(bundled_gguf())
    probes = [real.replace("/models/", "/models//"), real.replace("/", "/./", 1), "/etc/passwd",
              "/nonexistent/model.gguf", str(tmp_path)]
    messages = set()
    for p in probes:
        with pytest.raises(gr.Error) as e:
            ask_api(be, "لماذا تغيب بوتين عن قمة بريكس؟", model=p)
        assert p not in str(e.value) and "/" not in str(e.value.message)
        messages.add(e.value.message)
    assert len(messages) == 1  # an existing and a missing path are indistinguishable
    assert len(be._assistants) == 1


def test_the_page_names_models_without_server_paths(built_index, tmp_path):
    """The settings list's values and the header named the operator's model
    by its path on the server (and the LLM server by its URL)."""
    import shutil

    from rag.models import bundled_gguf
    from ui.backend import Backend

    mine = tmp_path / "private-dir" / "mine.gguf"
    mine.parent.mkdir()
    shutil.copy(bundled_gguf(), mine)
    be = Backend(load_settings(env={}).replace(index=built_index, corpus=ARTICLES, llm_model=str(mine)))
    assert all("/" not in v and "/" not in label for label, v in be.model_choices())
    assert be.default_choice == "mine.gguf" and "private-dir" not in be.info_html()
    assert be.assistant("mine.gguf") is be.assistant() is be.assistant(str(mine))
    be = Backend(load_settings(env={}).replace(index=built_index, corpus=ARTICLES, llm_url="http://10.1.2.3:8000/v1"))
    assert "10.1.2.3" not in be.info_html()


def test_internal_errors_reach_clients_as_a_short_message(built_index, tmp_path, capsys):
    """RecursionError, UnicodeEncodeError and server paths went to API clients
    verbatim; now the client gets one Arabic sentence, the log the details."""
    import gradio as gr

    from ui.app import ask_api, chat_turn
    from ui.backend import INTERNAL_ERROR

    be = _backend(built_index, tmp_path)
    assert not ask_api(be, "لماذا تغيب بوتين \udcff عن قمة بريكس؟")["abstained"]  # not-UTF-8 bytes dropped

    class Broken:
        def ask(self, *a, **k):
            raise RecursionError(f"maximum recursion depth exceeded in {tmp_path}/secret.py")

        stream = ask

    be.assistant = lambda model=None: Broken()
    with pytest.raises(gr.Error) as e:
        ask_api(be, "سؤال")
    assert e.value.message == INTERNAL_ERROR
    with pytest.warns(UserWarning):
        *_, (_, messages, _, _) = chat_turn(be, "سؤال", [], [], 5, "extractive", None)
    assert "RecursionError" not in messages[-1]["content"] and str(tmp_path) not in messages[-1]["content"]
    assert "RecursionError" in capsys.readouterr().err


def test_chat_turn_streams_answers_and_keeps_the_session_history(built_index):
    from ui.app import chat_turn

    be = _backend(built_index, ARTICLES)
    outs = list(chat_turn(be, BRICS, [], [], 5, "extractive", None))
    assert outs[0][0] == "" and "rag-streaming" in outs[0][1][-1]["content"]  # shown at once, then filled
    _, messages, sources, history = outs[-1]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert 'class="rag-cite"' in messages[-1]["content"] and "rag-streaming" not in messages[-1]["content"]
    assert "جنوب أفريقيا" in sources and len(history) == 1 and history[0][0] == BRICS
    assert MARKER_RE.search(history[0][1])  # the checked answer text, with its markers, is the history

    _, messages, _, history = list(chat_turn(be, "ومتى زار قرغيزستان؟", messages, history, 5, "extractive", None))[-1]
    assert len(messages) == 4 and len(history) == 2 and "بحثت عن:" in messages[-1]["content"]


def test_chat_turn_errors_are_readable_not_tracebacks(tmp_path):
    from ui.app import chat_turn

    be = _backend(tmp_path / "no-index", ARTICLES)
    with pytest.warns(UserWarning):
        outs = list(chat_turn(be, BRICS, [], [], 5, "extractive", None))
    _, messages, _, history = outs[-1]
    html = messages[-1]["content"]
    # the kind of error and the chat's way to fix it; never the server's paths or the CLI command
    assert "rag-error" in html and t("ar", "err_index_missing") in html and "إعادة بناء الفهرس" in html
    assert str(tmp_path) not in html and "--index" not in html and "/" not in html.replace("</", "")
    assert "Traceback" not in html and history == []
    with pytest.warns(UserWarning):  # empty question: a warning, nothing sent
        assert len(list(chat_turn(be, "   ", [], [], 5, "extractive", None))) == 1


def test_api_clients_never_get_server_paths_from_notices_or_errors(built_index, tmp_path, capsys):
    """A chat started with a missing --llm-model sent /ask clients "GGUF file
    /tmp/.../missing.gguf does not exist."; errors passed "No index at /path"
    through.  Now clients get the short message for the code, the log the details."""
    import json

    import gradio as gr

    from ui.app import ask_api, chat_turn
    from ui.backend import Backend

    missing = tmp_path / "secret-dir" / "missing.gguf"
    be = Backend(load_settings(env={}).replace(index=built_index, corpus=ARTICLES, llm_model=str(missing),
                                               mode="generative"))
    d = ask_api(be, BRICS)
    assert [n["code"] for n in d["notices"]][:1] == ["llm_unavailable"]
    assert "secret-dir" not in json.dumps(d, ensure_ascii=False)
    with pytest.warns(UserWarning) as warned:
        *_, (_, messages, _, _) = chat_turn(be, BRICS, [], [], 5, None, None)
    shown = messages[-1]["content"] + " ".join(str(w.message) for w in warned)
    assert "secret-dir" not in shown and "missing.gguf" not in shown and "rag-notice-llm_unavailable" in shown
    assert "secret-dir" in capsys.readouterr().err  # the operator still sees why

    be = _backend(tmp_path / "no" / "index-here", ARTICLES)
    with pytest.raises(gr.Error) as e:
        ask_api(be, BRICS)
    assert "index-here" not in e.value.message and e.value.message.startswith(t("ar", "err_index_missing"))
    assert "index-here" in capsys.readouterr().err


def test_upload_then_rebuild_swaps_the_index_in(tmp_path, corpus):
    from index.build import build_index
    from ui.app import ask_api, rebuild_index, upload_files

    index = tmp_path / "idx"
    build_index(corpus, index)
    be = _backend(index, corpus)
    assert ask_api(be, "متى يقام مهرجان التمور في الواحة الخضراء؟", "extractive")["abstained"]
    src = _file(tmp_path, "مهرجان.txt", ARTICLE)
    bad = _file(tmp_path, "x.exe", ARTICLE)
    with pytest.warns(UserWarning):
        msg, status = upload_files(be, [str(src), str(bad)])
    assert "✓" in msg and "✗" in msg and "مهرجان.txt" in status and (corpus / "مهرجان.txt").exists()
    summary, status, info = rebuild_index(be)
    assert "أُضيف: \u2066مهرجان.txt\u2069" in summary and "الفهرس محدّث" in status and "6 مقالات" in info
    ans = ask_api(be, "متى يقام مهرجان التمور في الواحة الخضراء؟", "extractive")
    assert not ans["abstained"] and ans["citations"][0]["source"] == "مهرجان.txt" and "أكتوبر" in ans["answer"]


def test_header_says_the_bundled_base_model_does_not_write_answers(built_index):
    from ui.backend import Backend

    s = load_settings(env={}).replace(index=built_index)  # the default: auto, bundled model
    assert "نموذج أساسي" in Backend(s).info_html()
    assert "نموذج أساسي" not in Backend(s.replace(mode="generative")).info_html()


def test_every_string_exists_in_both_languages():
    from ui.i18n import _NOTICE_AR, _SKIP_AR, MESSAGES

    from index.load import Skip

    assert set(MESSAGES["ar"]) == set(MESSAGES["en"])
    assert set(_NOTICE_AR) == set(Code) and set(_SKIP_AR) == set(Skip)
    for lang, table in MESSAGES.items():
        for key, text in table.items():
            assert text.strip() or key == "placeholder_phone", (lang, key)


def test_server_rendered_html_follows_the_reader_language(tmp_path, built_index, corpus):
    from index.store import IndexStore
    from ui.articles import UploadError, save_upload

    manifest = IndexStore.load(built_index).manifest
    en = status_html(corpus, manifest, lang="en")
    assert "Indexed articles" in en and "المقالات المفهرسة" not in en
    p1 = _passage(1, "زار بوتين قرغيزستان في أكتوبر.")
    ans = _answer("زار بوتين قرغيزستان في أكتوبر [1].",
                  [SentenceCheck("زار بوتين قرغيزستان في أكتوبر.", (1,), True, 1)],
                  [p1], [_cite(p1)], notices=[Notice(Code.CITATIONS_DROPPED, 2)])
    html = answer_html(ans, "en")
    assert "shown passage were removed: 2 citations" in html and "extractive" in html and "Source 1" in html
    assert "Sources" in sources_html(ans, lang="en")
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"\x00\x01binary")
    with pytest.raises(UploadError) as e:
        save_upload(bad, "x.txt", corpus)
    assert e.value.text("en") == "“x.txt” was refused: binary file (contains NUL bytes)."
    assert str(e.value) == "رُفض «x.txt»: ملف ثنائي وليس نصاً."
