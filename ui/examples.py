"""The chat's example questions, the user's own: the demo's only when the
corpus is the bundled demo; else those in the settings (``examples``); else
questions made from the articles' titles, each kept only when the product
itself answers it (not an abstention, with a cited passage).  A folder of
other articles showed the demo's Putin/BRICS questions, and clicking one gave
a refusal.  No Gradio here."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

DEMO = (
    "لماذا تغيب بوتين عن قمة بريكس؟",
    "متى زار بوتين قرغيزستان؟",
    "من سيرافق بوتين في زيارته إلى كوريا الشمالية؟",
    "Why did Putin skip the BRICS summit?",
)
SHOWN = 4  # chips under the chat
MAX_TITLE_WORDS = 6  # longer "titles" are sentences (a body's first words standing in for a lost title)
MAX_TRIES = 12  # questions asked at start-up or after a build; ~0.6 s each in extractive mode
_ARABIC = re.compile(r"[\u0600-\u06FF]")


def _signature(folder: Path) -> set[tuple[str, int]]:
    return {(p.relative_to(folder).as_posix(), p.stat().st_size) for p in folder.rglob("*")
            if p.is_file() and not any(s.startswith(".") for s in p.relative_to(folder).parts)}


def is_demo(corpus: Path, demo: Path | None = None) -> bool:
    """True when ``corpus`` holds exactly the bundled demo articles (same names and sizes)."""
    from rag.settings import _REPO_DATA

    demo = Path(demo or _REPO_DATA / "articles")
    corpus = Path(corpus)
    if not demo.is_dir() or not corpus.is_dir():
        return False
    if corpus.resolve() == demo.resolve():
        return True
    try:
        return _signature(corpus) == _signature(demo)
    except OSError:
        return False


def candidates(title: str) -> list[str]:
    """Questions a title asks, most natural first; none for a title that is a sentence.

    >>> candidates("نجيب محفوظ"), candidates("الموناليزا")
    (['من هو نجيب محفوظ؟', 'ماذا تعرف عن نجيب محفوظ؟'], ['ما هي الموناليزا؟', 'ما هو الموناليزا؟', 'ماذا تعرف عن الموناليزا؟'])
    >>> candidates("Thomas Edison"), candidates("وُلد في القاهرة عام 1911 وكتب روايات كثيرة عن حياة الناس")
    (['Who is Thomas Edison?', 'What is Thomas Edison?'], [])
    """
    title = " ".join(str(title or "").replace("؟", " ").replace("?", " ").split()).strip(" .،:-—")
    words = title.split()
    if not words or len(words) > MAX_TITLE_WORDS or re.search(r"[.!،,;؛]", title):
        return []
    if not _ARABIC.search(title):
        return [f"Who is {title}?", f"What is {title}?"]
    if words[0].startswith("ال"):  # a thing with the article: «ما هي/ما هو»; the checked answer decides
        return [f"ما هي {title}؟", f"ما هو {title}؟", f"ماذا تعرف عن {title}؟"]
    return [f"من هو {title}؟", f"ماذا تعرف عن {title}؟"]


def answered(answer) -> bool:
    """The product answers it: not an abstention, and a cited passage."""
    return not answer.abstained and bool(answer.citations)


def from_titles(titles, ask, shown: int = SHOWN, tries: int = MAX_TRIES) -> list[str]:
    """Questions made from the titles that ``ask`` (question -> Answer) answers,
    one per title, at most ``shown``, asking at most ``tries`` questions."""
    out: list[str] = []
    for title in dict.fromkeys(titles):
        for q in candidates(title):
            if tries <= 0 or len(out) >= shown:
                return out
            tries -= 1
            try:
                if answered(ask(q)):
                    out.append(q)
                    break
            except Exception as e:  # noqa: BLE001 - an example that fails is just not shown
                print(f"example question skipped ({q}): {type(e).__name__}: {e}", file=sys.stderr, flush=True)
    return out


class Examples:
    """The example questions shown now; ``refresh`` recomputes them (start-up, after a build)."""

    def __init__(self, settings, assistant):
        self.settings = settings
        self._assistant = assistant  # () -> Assistant
        self._lock = threading.Lock()
        self._shown: list[str] = self._fixed() or []

    def _fixed(self) -> list[str] | None:
        """The demo's or the settings' questions; None when they must be made from the articles."""
        own = [q for q in (getattr(self.settings, "examples", ()) or ()) if str(q).strip()]
        if own:
            return [str(q).strip() for q in own][:SHOWN]
        if is_demo(self.settings.corpus):
            return list(DEMO)
        return None

    def refresh(self) -> list[str]:
        fixed = self._fixed()
        if fixed is None:
            fixed = from_titles(self._titles(), lambda q: self._assistant().ask(q, mode="extractive"))
        with self._lock:
            self._shown = fixed
        return fixed

    def _titles(self) -> list[str]:
        from index.load import load_corpus

        try:
            arts, _ = load_corpus(self.settings.corpus)
        except Exception:  # noqa: BLE001 - no examples rather than a broken page
            return []
        return [a.title for a in arts]

    def shown(self) -> list[str]:
        with self._lock:
            return list(self._shown)
