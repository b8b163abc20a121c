"""Values cross the layers as codes, never parsed back from English: a
question error's kind, a model's state, a notice without its detail."""

import pytest

from index.errors import QuestionError
from rag import models
from rag.notices import Code, Notice
from rag.textio import clean_question
from ui.backend import user_message
from ui.i18n import notice_text, t


def test_a_question_error_says_which_by_its_code():
    with pytest.raises(QuestionError) as e:
        clean_question("   ")
    assert e.value.code == QuestionError.EMPTY and user_message(e.value, "ar") == t("ar", "empty_q")
    # a message that happens to say "empty" is not the empty-question error
    other = QuestionError("The question is not valid UTF-8 text (empty bytes?).", QuestionError.NOT_TEXT)
    assert user_message(other, "ar") == t("ar", "err_question") != t("ar", "empty_q")


def test_models_have_a_typed_state(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    models.models_dir().mkdir(parents=True)
    (models.models_dir() / "mine.gguf").write_bytes(b"GGUF")
    rows = {r.name: r for r in models.list_models()}
    mine = rows[str(models.models_dir() / "mine.gguf")]
    assert (mine.kind, mine.state, mine.status) == ("llm", models.LOCAL, "local")
    assert all(r.state in (models.BUNDLED, models.LOCAL, models.NOT_DOWNLOADED, models.MISSING_PACKAGE)
               for r in rows.values())
    assert rows["gemma-3-1b-it"].state == models.NOT_DOWNLOADED and rows["gemma-3-1b-it"].status == "not downloaded"


def test_an_english_notice_without_its_detail():
    n = Notice(Code.LLM_FAILED, detail="connection refused")
    assert notice_text("en", n) == "The LLM failed; answered by extracting sentences instead."
    assert "connection refused" in n.english()
