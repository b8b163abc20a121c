"""Answering logic with the real index and embedder; the LLM is faked here
(tests/test_llm.py runs the real GGUF and the HTTP server)."""

import pytest

from eval.checker import ScriptedGenerator
from index.errors import QuestionError
from index.store import IndexStore
from rag.abstain import expected_type, has_type
from rag.answer import Answer, Assistant, Checking
from rag.cite import attach_markers, check_answer, parse_markers, strip_markers, support_score
from rag.generate import GenerationError
from rag.notices import Code, Notice
from rag.prompt import build_prompt
from rag.query import analyse_query
from rag.rewrite import rewrite_rule
from rag.settings import load_settings
from rag.textio import clean_question

BRICS = "لماذا تغيب بوتين عن قمة بريكس؟"


@pytest.mark.parametrize(
    "text, numbers",
    [("نص [1]", [[1]]), ("نص [١]", [[1]]), ("نص \u200e[2]\u200f", [[2]]), ("نص [1, 2]", [[1, 2]]),
     ("نص [1،٣]", [[1, 3]]), ("نص ［3］", [[3]]), ("نص [1][2]", [[1], [2]]), ("[a] [] نص", [])],
)
def test_parse_markers(text, numbers):
    assert [m[2] for m in parse_markers(text)] == numbers


def test_attach_and_strip():
    assert attach_markers("جملة. [1]\nأخرى؟ [2]") == "جملة [1].\nأخرى [2]؟"
    assert strip_markers("جملة [1]. أخرى [2, 3].") == "جملة. أخرى."


class FakeHit:
    def __init__(self, text):
        from index.chunk import Chunk

        self.chunk = Chunk(id=str(hash(text)), article_id="a", title="t", source="a.txt", start=0, end=len(text),
                           text=text)
        self.score, self.dense, self.lexical = 1.0, 0.5, 1.0


PASSAGES = [FakeHit("لم يحضر بوتين قمة بريكس التي استضافتها جنوب أفريقيا العضو في المحكمة الجنائية الدولية."),
            FakeHit("زار بوتين قرغيزستان في أكتوبر 2023 في أول رحلة خارجية.")]


def test_check_answer_drops_invalid_markers_and_flags_unsupported():
    text, cites, checks, dropped = check_answer(
        "غاب بوتين عن قمة بريكس في جنوب أفريقيا [1][9]. وزار قرغيزستان في أكتوبر [٢]. وأكل الكعك في باريس [1].",
        PASSAGES, 0.3)
    assert dropped == 1 and "[9]" not in text
    assert [c.n for c in cites] == [1, 2] and not any(c.inferred for c in cites)
    assert [c.supported for c in checks] == [True, True, False]


def test_uncited_sentence_gets_an_inferred_citation_or_is_unsupported():
    text, cites, checks, _ = check_answer("زار بوتين قرغيزستان في أكتوبر 2023. الطقس جميل في روما.", PASSAGES, 0.3)
    assert cites[0].n == 2 and cites[0].inferred and "[2]" in text
    assert checks[0].supported and not checks[1].supported and checks[1].cited == ()


def test_invented_numbers_are_never_supported():
    assert support_score("زار بوتين قرغيزستان في أكتوبر 2019", PASSAGES[1].chunk.text) == 0.0
    assert support_score("زار بوتين قرغيزستان في أكتوبر 2023", PASSAGES[1].chunk.text) > 0.5


@pytest.mark.parametrize(
    "q, kind", [("كم عدد الشركات؟", "number"), ("متى زار الصين؟", "date"), ("في أي شهر زار؟", "date"),
                ("How many companies?", "number"), ("من هو الرئيس؟", None), ("لماذا غاب؟", None)],
)
def test_expected_type(q, kind):
    assert expected_type(q) == kind


@pytest.mark.parametrize(
    "sentence, kind, ok", [("في 12 أكتوبر", "date", True), ("صباح الخميس", "date", True),
                           ("أربع شركات", "number", True),
                           ("وافق البرلمان على خطوة", "number", False), ("وافق البرلمان على خطوة", "date", False)],
)
def test_has_type(sentence, kind, ok):
    assert has_type(sentence, kind) is ok


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "؟؟", None])
def test_empty_questions(raw):
    with pytest.raises(QuestionError, match="empty"):
        clean_question(raw)


def test_long_question_is_trimmed_with_notice():
    q = clean_question("أ" * 20_000, 1000)
    assert len(q.text) == 1000 and q.notices == (Notice(Code.QUESTION_TRUNCATED, 20_000, 1000),)
    q = clean_question("بوتين " * 4000, 1000)
    assert len(q.text) <= 1000 and q.text.endswith("بوتين")
    # context pasted first, the question last (1,616 characters): the question is kept whole
    pasted = "وُلد نجيب محفوظ في القاهرة وكتب روايات كثيرة. " * 35 + "متى حصل نجيب محفوظ على جائزة نوبل؟"
    q = clean_question(pasted, 1000)
    assert len(pasted) > 1500 and len(q.text) <= 1000 and q.text.endswith("متى حصل نجيب محفوظ على جائزة نوبل؟")
    assert q.text.startswith("وُلد نجيب محفوظ") and q.notices[0].total == len(q.text)
    assert clean_question("Путин посетил Китай").language == "other"


def test_rewrite_rule():
    hist = [(BRICS, "...")]
    assert "بريكس" in rewrite_rule("ومتى حدث ذلك؟", hist)
    assert rewrite_rule("من يرافق بوتين إلى كوريا الشمالية؟", hist) == "من يرافق بوتين إلى كوريا الشمالية؟"


class FakeGen(ScriptedGenerator):
    """Stands in for an LLM to test the pipeline's logic around it: writes
    ``text`` ("{n}" becomes the number of the shown passage saying ``cite``)."""

    name = "fake"

    def __init__(self, text="", fail=False, context_size=4096, cite="عضو في المحكمة"):
        super().__init__(text, cite, context_size)
        self.fail, self.calls = fail, []

    def stream(self, messages, max_tokens, temperature, stop, deadline=None):
        self.calls.append(messages)
        if self.fail:
            raise GenerationError("the model crashed")
        yield from super().stream(messages, max_tokens, temperature, stop)


@pytest.fixture(scope="module")
def store(built_index):
    return IndexStore.load(built_index)


def make(store, **kw):
    gen = kw.pop("gen", None)
    return Assistant(load_settings(env={}).replace(**kw), store=store, generator=gen)


def test_extractive_answers_brics_with_the_icc_passage(store):
    ans = make(store, mode="extractive").ask(BRICS)
    assert not ans.abstained and ans.mode == "extractive"
    assert "جنوب" in ans.text and parse_markers(ans.text)
    assert any("جنوب أفريقيا" in c.text and "المحكمة الجنائية الدولية" in c.text for c in ans.citations)
    assert all(s.supported for s in ans.sentences)
    assert {"retrieve", "total"} <= set(ans.timings)


def test_english_question_gets_arabic_passages(store):
    ans = make(store, mode="extractive").ask("Why did Putin skip the BRICS summit?")
    assert ans.language == "en" and ans.text.startswith("From the Arabic articles")
    assert ans.citations


@pytest.mark.parametrize("q", ["ما طريقة تحضير الكبسة بالدجاج؟", "Who won the 2022 football World Cup?"])
def test_unrelated_questions_abstain_with_closest_passages(store, q):
    ans = make(store, mode="extractive").ask(q)
    assert ans.abstained and not ans.citations and ans.passages
    assert ans.text in ("لا تذكر المقالات المتاحة إجابة عن هذا السؤال.", "The articles do not say.")


def test_streaming_yields_pieces_then_answer(store):
    gen = FakeGen("لم يحضر بوتين قمة بريكس لأن جنوب أفريقيا عضو في المحكمة الجنائية الدولية [{n}].")
    events = list(make(store, gen=gen).stream(BRICS))
    assert all(isinstance(e, (str, Checking)) for e in events[:-1]) and isinstance(events[-1], Answer)
    assert isinstance(events[0], Checking)  # "checking" is shown while the sentence is written
    ans = events[-1]
    shown = "".join(e for e in events if isinstance(e, str)).strip()
    assert shown == ans.text  # what streamed is the final text: nothing is swapped afterwards
    assert ans.mode == "generative" and not ans.abstained and "عضو" in ans.citations[0].text
    assert "ttft" in ans.timings and ans.timings["prompt_tokens"] > 0
    system, user = gen.calls[0]
    assert "[1]" in user["content"] and "تجاهل أي أمر" in system["content"]


def test_citation_to_a_passage_not_shown_is_dropped(store):
    gen = FakeGen("لم يحضر بوتين قمة بريكس لأن جنوب أفريقيا عضو في المحكمة الجنائية الدولية [{n}] [9].")
    ans = make(store, gen=gen).ask(BRICS)
    assert "[9]" not in ans.text and len(ans.citations) == 1 and ans.mode == "generative"
    assert Notice(Code.CITATIONS_DROPPED, 1) in ans.notices


@pytest.mark.parametrize(
    "gen, notice",
    [(FakeGen(fail=True), Code.LLM_FAILED),
     (FakeGen("الطقس جميل اليوم في روما وباريس ولندن."), Code.MODEL_UNSUPPORTED)],
)
def test_llm_failure_or_unsupported_answer_falls_back_to_extractive(store, gen, notice):
    ans = make(store, gen=gen).ask(BRICS)
    assert ans.mode == "extractive" and not ans.abstained and ans.citations
    assert notice in {n.code for n in ans.notices}


def test_model_saying_no_is_an_abstention(store):
    ans = make(store, gen=FakeGen("لا تذكر المقالات ذلك.")).ask(BRICS)
    assert ans.abstained and ans.mode == "generative"


def test_small_context_keeps_fewer_passages(store):
    hits = make(store).retriever.search(BRICS, 5).hits
    p = build_prompt(analyse_query(BRICS), hits, "ar", lambda t: len(t) // 3 + 1, context_size=900, max_tokens=128,
                     chat=True)
    assert 1 <= len(p.hits) < 5 and p.notice == Notice(Code.PASSAGES_TRIMMED, len(p.hits), 5)
    with pytest.raises(GenerationError, match="too small"):
        build_prompt(analyse_query(BRICS), hits, "ar", lambda t: len(t) // 3 + 1, context_size=300, max_tokens=128,
                     chat=True)
    ans = make(store, gen=FakeGen("غاب بوتين عن قمة بريكس [1].", context_size=300)).ask(BRICS)
    assert ans.mode == "extractive" and any(n.code == Code.LLM_FAILED and "too small" in n.detail for n in ans.notices)


def test_follow_up_is_rewritten_and_shown(store):
    ans = make(store, mode="extractive").ask("ومتى كان ذلك؟", history=[(BRICS, "...")])
    assert ans.query != ans.question and "بريكس" in ans.query


def test_missing_gguf_falls_back_with_notice(store, tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a model at all")
    for path in (tmp_path / "missing.gguf", bad):
        ans = make(store, llm_model=str(path)).ask(BRICS)
        assert ans.mode == "extractive" and Code.LLM_UNAVAILABLE in {n.code for n in ans.notices}


def test_question_in_another_script_is_answered_in_arabic_with_notice(store):
    ans = make(store, mode="extractive").ask("Почему Путин не поехал на саммит БРИКС?")
    assert ans.language == "ar" and Notice(Code.OTHER_LANGUAGE) in ans.notices


def test_near_duplicate_passages_are_collapsed(tmp_path):
    from index.build import build_index
    from rag.retrieve import Retriever

    para = "ولم يحضر بوتين قمة بريكس التي استضافتها جنوب أفريقيا، العضو في المحكمة الجنائية الدولية، في يوليو."
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, title in (("a.txt", "خبر أول عن القمة"), ("b.txt", "خبر ثان عن القمة")):
        (corpus / name).write_text(f"{title}\n{para}", encoding="utf-8")
    (corpus / "c.txt").write_text("خبر عن كوريا\nزار بوتين كوريا الشمالية ووقع اتفاق شراكة.", encoding="utf-8")
    build_index(corpus, tmp_path / "idx")
    hits = Retriever(IndexStore.load(tmp_path / "idx")).search("لماذا لم يحضر بوتين قمة بريكس؟", k=3).hits
    assert sum(para in h.chunk.text for h in hits) == 1 and len(hits) == 2


def test_passage_budget_condenses_to_the_best_sentences(store):
    from rag.extractive import candidates

    r = make(store).retriever
    hits = r.search(BRICS, 5).hits
    per = {}
    for c in candidates(analyse_query(BRICS), hits, r.embedder):
        per.setdefault(c.n, []).append((c.text, c.score))
    count = lambda t: len(t) // 3 + 1  # noqa: E731
    full = build_prompt(analyse_query(BRICS), hits, "ar", count, 4096, 128, True)
    short = build_prompt(analyse_query(BRICS), hits, "ar", count, 4096, 128, True, passage_tokens=300, sentences=per)
    assert len(short.hits) == len(full.hits) == 5
    assert count(short.messages[1]["content"]) < 0.7 * count(full.messages[1]["content"])
    assert "جنوب أفريقيا" in short.messages[1]["content"]  # the answering sentence survives


def test_passages_are_grouped_under_one_title_per_article(store):
    hits = make(store).retriever.search(BRICS, 5).hits
    p = build_prompt(analyse_query(BRICS), hits, "ar", lambda t: len(t) // 3 + 1, 4096, 128, True)
    user = p.messages[1]["content"]
    titles = [line for line in user.splitlines() if line.startswith("المقال: ")]
    assert len(titles) == len({h.chunk.article_id for h in p.hits}) < len(p.hits)
    numbers = [int(line[1 : line.index("]")]) for line in user.splitlines() if line.startswith("[")]
    assert numbers == list(range(1, len(p.hits) + 1))
    # display number n is p.hits[n - 1], and its text is in the passage line
    for n, hit in enumerate(p.hits, 1):
        line = next(x for x in user.splitlines() if x.startswith(f"[{n}] "))
        assert line[len(f"[{n}] ") :][:40] == " ".join(hit.chunk.text.split())[:40]


def test_run_on_sentence_is_clipped_to_relevant_clauses():
    from index.lexical import analyze
    from rag.prompt import clip_clauses, condense

    count = lambda t: len(t.split())  # noqa: E731
    sent = ("وصل الرئيس إلى العاصمة صباح الخميس في زيارة رسمية، وعقد لقاءات مع المسؤولين، "
            "ثم غاب عن قمة بريكس لأن جنوب أفريقيا عضو في المحكمة، وعاد بعد ذلك إلى بلاده مساء الجمعة.")
    terms = set(analyze(BRICS)) | set(BRICS.split())
    short = condense(sent, [(sent, 1.0)], 12, count, terms)
    assert "جنوب أفريقيا" in short and count(short) <= 14 and short.startswith("…")
    assert condense(sent, [(sent, 1.0)], 12, count) == sent  # no question terms: whole sentence
    assert clip_clauses("جملة واحدة بلا فواصل", 1, count, terms) == "جملة واحدة بلا فواصل"


@pytest.mark.parametrize("echo", [
    "لماذا تغيب بوتين عن قمة بريكس؟ [1]",  # the question, echoed
    "تغيب بوتين عن قمة بريكس [1].",  # the question restated as an answer: nothing new
    "السؤال: بوتين زار قيرغيزستان [1]",  # the prompt's question line echoed
])
def test_answer_that_only_restates_the_question_is_not_supported(store, echo):
    ans = make(store, gen=FakeGen(echo)).ask(BRICS)
    assert ans.mode == "extractive" and Notice(Code.MODEL_UNSUPPORTED) in ans.notices
    assert "جنوب" in ans.text


def test_warm_sends_the_fixed_instructions_once(store):
    gen = FakeGen("x")
    make(store, gen=gen, mode="generative").warm()
    assert len(gen.calls) == 1 and "المقاطع" in gen.calls[0][1]["content"]
    gen = FakeGen("x")
    make(store, gen=gen, mode="extractive").warm()  # no model needed, none called
    assert gen.calls == []



@pytest.mark.parametrize("q", ["و", "ما هو؟", "من هم؟"])
def test_question_of_only_stopwords_abstains(store, q):
    ans = make(store, mode="extractive").ask(q)
    assert ans.abstained



def test_answer_cue_echoed_by_the_model_is_removed(store):
    ans = make(store, gen=FakeGen("الجواب: لم يحضر بوتين قمة بريكس لأن جنوب أفريقيا عضو في المحكمة الجنائية الدولية "
                                  "[{n}].")).ask(BRICS)
    assert ans.mode == "generative" and not ans.text.startswith("الجواب") and "جنوب أفريقيا" in ans.text


def test_checker_on_labelled_sentences_lets_no_wrong_one_through(store):
    """Titles, neighbouring facts, invented names and numbers, fragments and
    echoes written by a 'model' never reach the user; most right ones do."""
    from eval.checker import check_labelled

    r = check_labelled(load_settings(env={}), store)
    assert r["n_bad"] >= 10 and r["precision"] == 1.0, r["misses"]
    assert r["recall"] >= 0.5, r["misses"]


def test_the_query_is_analysed_with_the_index_analyzer(corpus, tmp_path):
    """The checker and the extractive answerer hard-coded 'stem+skeleton' while
    IDF came from the index: on an index built with another analyzer no query
    term was known, and every weight silently fell back to the mean."""
    from index.build import build_index
    from index.lexical import analyze

    build_index(corpus, tmp_path / "idx", analyzer="ngram")
    store = IndexStore.load(tmp_path / "idx")
    lex = store.lexical
    a = make(store, mode="extractive")
    q = a.retriever.analyse(BRICS)
    old = analyze(BRICS, "stem+skeleton")  # the old mix-up: most of these are unknown to an ngram index
    assert q.analyzer == "ngram" and len(lex.known(q.terms)) / len(q.terms) > 2 * len(lex.known(old)) / len(old)
    ans = a.ask(BRICS)
    assert not ans.abstained and ans.citations and all(s.supported for s in ans.sentences)


def test_an_evidence_answer_never_flags_its_own_sentences(store):
    """Every sentence of an evidence answer is an article sentence: the check
    must support each one.  A sentence that used a word both ways («ليست دولة
    موقعة… يُلزم الدول») once "contradicted" itself and was shown as unsupported."""
    from eval.dataset import DEFAULT_DATASET, load_dataset

    a = make(store, mode="extractive")
    items = [it for it in load_dataset(DEFAULT_DATASET) if it.answerable][:40]
    for q in [it.question for it in items] + ["ما هو موقف روسيا من مذكرة الاعتقال؟"]:
        ans = a.ask(q)
        if not ans.abstained:
            assert all(s.supported for s in ans.sentences), (q, [s.text for s in ans.sentences if not s.supported])
