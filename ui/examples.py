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
import unicodedata
from pathlib import Path

DEMO = (
    "لماذا تغيب بوتين عن قمة بريكس؟",
    "ما البلد الذي زاره بوتين في آسيا الوسطى؟",  # the learned selector refuses «متى زار…» (eval/README.md)
    "من سيرافق بوتين في زيارته إلى كوريا الشمالية؟",
    "Why did Putin skip the BRICS summit?",
)
SHOWN = 4  # chips under the chat
MAX_TITLE_WORDS = 6  # longer "titles" are sentences (a body's first words standing in for a lost title)
# Endings of a feminine or plural Arabic noun (ة, ات, ا, ى, اء): «ما هي…»; else «ما هو…».
_FEMININE = ("ة", "ات", "ا", "ى", "اء")
_LINEAGE = {"بن", "ابن", "بنت"}  # «العربي بن مهيدي»: a person's name, though it starts with «ال»
MAX_TRIES = 12  # questions asked at start-up or after a build; ~0.6 s each in extractive mode
_ARABIC = re.compile(r"[\u0600-\u06FF]")


def _signature(folder: Path) -> set[tuple[str, int]]:
    return {(p.relative_to(folder).as_posix(), p.stat().st_size) for p in folder.rglob("*")
            if p.is_file() and not any(s.startswith(".") for s in p.relative_to(folder).parts)}


def is_demo(corpus: Path, demo: Path | None = None, exact: bool = True) -> bool:
    """True when ``corpus`` holds exactly the bundled demo articles (same names
    and sizes); with ``exact=False``, when it holds them among others."""
    from rag.settings import _REPO_DATA

    demo = Path(demo or _REPO_DATA / "articles")
    corpus = Path(corpus)
    if not demo.is_dir() or not corpus.is_dir():
        return False
    if corpus.resolve() == demo.resolve():
        return True
    try:
        mine, theirs = _signature(corpus), _signature(demo)
    except OSError:
        return False
    return mine == theirs if exact else bool(theirs) and theirs <= mine


def candidates(title: str) -> list[str]:
    """Questions a title asks, most natural first; none for a title that is a sentence.

    >>> candidates("نجيب محفوظ")
    ['من هو نجيب محفوظ؟', 'ماذا تعرف عن نجيب محفوظ؟']
    >>> candidates("الموناليزا")
    ['ما هي الموناليزا؟', 'ما هو الموناليزا؟', 'ماذا تعرف عن الموناليزا؟']
    >>> candidates("الاتحاد السوفيتي")[0], candidates("الولايات المتحدة")[0], candidates("العربي بن مهيدي")[0]
    ('ما هو الاتحاد السوفيتي؟', 'ما هي الولايات المتحدة؟', 'من هو العربي بن مهيدي؟')
    >>> candidates("Thomas Edison"), candidates("وُلد في القاهرة عام 1911 وكتب روايات كثيرة عن حياة الناس")
    (['Who is Thomas Edison?', 'What is Thomas Edison?'], [])
    """
    title = " ".join(str(title or "").replace("؟", " ").replace("?", " ").split()).strip(" .،:-—")
    words = title.split()
    if not words or len(words) > MAX_TITLE_WORDS or re.search(r"[.!،,;؛]", title):
        return []
    if not _ARABIC.search(title):
        return [f"Who is {title}?", f"What is {title}?"]
    if words[0].startswith("ال") and not set(words[1:]) & _LINEAGE:
        # a thing with the article, «ما هي» first for a feminine or plural word: «ما هي الولايات المتحدة؟»,
        # «ما هو الاتحاد السوفيتي؟» (the folder's examples read «ما هي الاتحاد السوفيتي؟»)
        she, he = f"ما هي {title}؟", f"ما هو {title}؟"
        return [*((she, he) if words[0].endswith(_FEMININE) else (he, she)), f"ماذا تعرف عن {title}؟"]
    return [f"من هو {title}؟", f"ماذا تعرف عن {title}؟"]  # a name, «العربي بن مهيدي» too


def name_title(file_name: str) -> str:
    """A file's name as a title when it reads as one (words of letters, or
    numbers like a year), for an article whose title was not kept: «نجيب
    محفوظ.txt» names its subject; «001_e0ceb109d2754a97.txt» does not.

    >>> name_title("نجيب محفوظ.txt"), name_title("sub/كأس العالم 2018.pdf"), name_title("001_e0ceb109d2754a97.txt")
    ('نجيب محفوظ', 'كأس العالم 2018', '')
    """
    stem = Path(str(file_name)).stem.replace("_", " ").replace("-", " ")
    words = stem.split()
    ok = all(w.isdigit() or all(c.isalpha() or unicodedata.category(c) == "Mn" for c in w) for w in words)
    return " ".join(words) if ok and any(not w.isdigit() for w in words) else ""


def answered(answer) -> bool:
    """The product answers it: not an abstention, and a cited passage."""
    return not answer.abstained and bool(answer.citations)


def from_titles(titles, ask, shown: int = SHOWN, tries: int = MAX_TRIES, first: tuple[str, ...] = ()) -> list[str]:
    """Questions made from the articles' titles that ``ask`` (question ->
    Answer) answers: one per article, at most ``shown``, asking at most
    ``tries`` questions.  An item of ``titles`` is a title or a tuple of names
    for one article (its title, then its file's name).  ``first``: ready-made
    questions tried before them, each kept on the same condition (the demo's,
    when the demo articles are in a folder with others).

    >>> from types import SimpleNamespace as N
    >>> ask = lambda q: N(abstained="محفوظ" not in q, citations=[1])
    >>> from_titles([("نجيب محفوظ (11 ديسمبر 1911 - 30 أغسطس 2006) روائي مصري، هو أول عربي", "نجيب محفوظ"),
    ...              "ابن خلدون"], ask)
    ['من هو نجيب محفوظ؟']
    >>> from_titles(["ابن خلدون"], ask, first=("ما هو محفوظ؟", "من هو فلان؟"))
    ['ما هو محفوظ؟']
    """
    # one group per article (its questions, most natural first: the first answered is kept), and
    # each ready-made question a group of its own
    groups = [[q] for q in first] + [
        [q for n in dict.fromkeys(n for n in ((item,) if isinstance(item, str) else item) if n) for q in candidates(n)]
        for item in titles]
    out: list[str] = []
    seen: set[str] = set()
    for qs in groups:
        for q in (q for q in qs if q not in seen):
            if tries <= 0 or len(out) >= shown:
                return out
            tries -= 1
            seen.add(q)
            if _answers(ask, q):
                out.append(q)
                break
    return out


def _answers(ask, q: str) -> bool:
    try:
        return answered(ask(q))
    except Exception as e:  # noqa: BLE001 - an example that fails is just not shown
        print(f"example question skipped ({q}): {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return False


CACHE_FILE = "examples.json"  # in the index folder: a restart on the same index asks nothing again
FORMAT = 2  # bump when the questions made from a title change: cached examples of another format are made again


def cache_key(manifest: dict | None, settings) -> str:
    """What the examples depend on: the index generation (its manifest: files,
    checksums, embedder) and the settings that decide an answer.

    >>> from types import SimpleNamespace as N; s = N(selector="learned", answerable_threshold=0.3, k=5)
    >>> cache_key({"files": {"a": 1}}, s) == cache_key({"files": {"a": 1}}, s), cache_key(None, s)
    (True, '')
    >>> cache_key({"files": {"a": 1}}, s) == cache_key({"files": {"a": 2}}, s)
    False
    """
    import hashlib
    import json

    if not manifest:
        return ""
    answer = {n: getattr(settings, n, None) for n in ("selector", "answerable_threshold", "support_threshold", "k",
                                                      "retriever", "rrf_k", "dense_weight")}
    blob = json.dumps([manifest, answer, SHOWN, MAX_TRIES, FORMAT], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Examples:
    """The example questions shown now; ``refresh`` recomputes them (start-up,
    after a build), or reads them from <index>/examples.json when that was made
    for the same index generation and settings (asking ~12 questions takes
    seconds on a busy machine; a restart should not)."""

    def __init__(self, settings, assistant, manifest=lambda: None):
        self.settings = settings
        self._assistant = assistant  # () -> Assistant
        self._manifest = manifest  # () -> the live index's manifest (None: no index)
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
            key = cache_key(self._manifest(), self.settings)
            fixed = self._cached(key)
            if fixed is None:
                # the demo's questions first when its articles are still there (a user added some)
                first = DEMO if is_demo(self.settings.corpus, exact=False) else ()
                fixed = from_titles(self._titles(), lambda q: self._assistant().ask(q, mode="extractive"),
                                    first=first)
                self._save(key, fixed)
        with self._lock:
            self._shown = fixed
        return fixed

    def _cache_path(self) -> Path:
        return Path(self.settings.index) / CACHE_FILE

    def _cached(self, key: str) -> list[str] | None:
        import json

        if not key:
            return None
        try:
            data = json.loads(self._cache_path().read_text(encoding="utf-8"))
            if data.get("key") == key and isinstance(data.get("questions"), list):
                return [str(q) for q in data["questions"]][:SHOWN]
        except (OSError, ValueError, AttributeError):
            pass  # missing or damaged: made again
        return None

    def _save(self, key: str, questions: list[str]) -> None:
        import json
        import os

        if not key:
            return
        path = self._cache_path()
        try:
            tmp = path.with_name(f".{CACHE_FILE}.{os.getpid()}.part")
            tmp.write_text(json.dumps({"key": key, "questions": questions}, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as e:  # a read-only index folder: made again at the next start
            print(f"example questions not cached: {e}", file=sys.stderr, flush=True)

    def _titles(self) -> list[str]:
        """The articles' titles, from the loaded index (no re-reading of the folder), else the folder."""
        try:
            chunks = self._assistant().retriever.store.chunks
            if isinstance(chunks, list):
                return list(dict.fromkeys((c.title, name_title(c.source)) for c in chunks))
        except Exception:  # noqa: BLE001 - read the folder instead
            pass
        from index.load import load_corpus

        try:
            arts, _ = load_corpus(self.settings.corpus)
        except Exception:  # noqa: BLE001 - no examples rather than a broken page
            return []
        return [(a.title, name_title(a.source)) for a in arts]

    def shown(self) -> list[str]:
        with self._lock:
            return list(self._shown)
