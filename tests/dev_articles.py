"""A folder of the user's own articles that are not the demo: ARCD train
articles (eval/datasets/arcd, MIT), one `.txt` per title, the title on the
first line, the paragraphs after a blank line, as a person would save them."""

import json
from pathlib import Path

ARCD = Path(__file__).resolve().parent.parent / "eval" / "datasets" / "arcd" / "arcd-train.json"
TITLES = ("نجيب محفوظ", "ابن خلدون", "ألبرت أينشتاين", "عمر المختار", "كأس العالم 2018")


def write_dev_articles(folder: Path, titles=TITLES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    data = {a["title"]: a for a in json.loads(ARCD.read_text(encoding="utf-8"))["data"]}
    out = []
    for title in titles:
        body = "\n\n".join(p["context"] for p in data[title]["paragraphs"])
        path = folder / f"{title}.txt"
        path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
        out.append(path)
    return out
