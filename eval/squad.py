"""An open-corpus eval from a SQuAD-format file (``rag eval --squad FILE``).

The file's articles become a folder of ``.txt`` files (title on the first
line), as a user would index their own; questions come in three kinds:

- ``answerable``: its paragraph is in the folder;
- ``off_corpus``: its whole article was left out of the folder;
- ``near_topic``: its article is in the folder but its paragraph was left
  out, and its normalised gold answer occurs nowhere else in the folder
  (otherwise the question may be answerable after all, and is dropped).

Articles, not questions, are dealt into ``folds`` (a fold never splits an
article), so a selector trained on the other folds never saw the article of a
question it is scored on.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from index.arabic import normalize
from index.errors import DatasetError

KINDS = ("answerable", "off_corpus", "near_topic")
OFF_SHARE = 0.2  # articles left out whole (77 ARCD articles: 15)
NEAR_SHARE = 0.3  # articles of the folder that lose one paragraph (62: 19)


@dataclass(frozen=True)
class SquadItem:
    id: str
    question: str
    answers: tuple[str, ...]
    kind: str  # one of KINDS
    article: str  # the article's title (the cross-validation group)
    fold: int

    @property
    def answerable(self) -> bool:
        return self.kind == "answerable"


@dataclass(frozen=True)
class SquadSplit:
    items: tuple[SquadItem, ...]
    files: dict  # file name -> text, the folder to index
    left_out: tuple[str, ...]  # titles of the off-corpus articles
    folds: int


def clean_crowd_question(q: str) -> str:
    """Crowd questions come with a list dash and stray letters after the
    question mark; the user would have typed the question alone.

    >>> clean_crowd_question(' - أي دولة هي أكبر دولة؟ ال')
    'أي دولة هي أكبر دولة؟'
    """
    q = q.strip().lstrip("-–— ").strip()
    if "؟" in q:
        q = q[: q.rindex("؟") + 1]
    return q


def _file_name(i: int, title: str) -> str:
    safe = "".join(c for c in title if c.isalnum() or c in " _-")[:60].strip() or "article"
    return f"{i:03d}_{safe}.txt"


def load_squad(path: Path, seed: int = 0, folds: int = 5) -> SquadSplit:
    """The folder and the questions of a SQuAD v1.1 file, split with ``seed``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DatasetError(f"{path} is not a SQuAD-format JSON file ({e}); expected {{'data': [...]}}.") from None
    rng = random.Random(seed)
    titles = [a["title"] for a in data]
    order = list(range(len(data)))
    rng.shuffle(order)
    fold_of = {titles[i]: n % folds for n, i in enumerate(order)}
    n_off = round(OFF_SHARE * len(data))
    off = set(order[:n_off])
    kept = order[n_off:]
    near = set(kept[: round(NEAR_SHARE * len(kept))])
    dropped: dict[int, int] = {i: rng.randrange(len(data[i]["paragraphs"])) for i in sorted(near)}
    files: dict[str, str] = {}
    for i, art in enumerate(data):
        if i in off:
            continue
        paras = [p["context"].strip() for j, p in enumerate(art["paragraphs"]) if dropped.get(i) != j]
        files[_file_name(i, art["title"])] = art["title"].strip() + "\n\n" + "\n\n".join(paras) + "\n"
    folder = normalize(" ".join(files.values()))
    items = []
    for i, art in enumerate(data):
        for j, p in enumerate(art["paragraphs"]):
            kind = "off_corpus" if i in off else "near_topic" if dropped.get(i) == j else "answerable"
            for qa in p["qas"]:
                answers = tuple(dict.fromkeys(a["text"].strip(" .،,") for a in qa["answers"] if a["text"].strip()))
                if not answers:
                    continue
                if kind == "near_topic" and any(normalize(a) in folder for a in answers):
                    continue  # the answer is elsewhere in the folder: perhaps answerable
                items.append(SquadItem(str(qa["id"]), clean_crowd_question(qa["question"]), answers, kind,
                                       art["title"], fold_of[art["title"]]))
    return SquadSplit(tuple(items), files, tuple(titles[i] for i in sorted(off)), folds)


def write_folder(split: SquadSplit, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in split.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
