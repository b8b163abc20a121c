"""The dev articles: one article per ``data[].title`` of the ARCD train split
(eval/datasets/arcd/arcd-train.json, MIT licence), its paragraphs as the body.

They are Arabic Wikipedia articles nobody tuned the product for (77 articles,
231 paragraphs, titles of one to five words: «مصر», «نجيب محفوظ»), written as a
user would keep them: a ``.txt`` whose first line is the title, a blank line,
then one paragraph a line with a blank line between.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ARCD = Path(__file__).resolve().parent / "datasets" / "arcd" / "arcd-train.json"


@dataclass(frozen=True)
class DevArticle:
    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        """The article as a ``.txt``: the title, a blank line, the paragraphs.

        >>> DevArticle('مصر', ('مصر دولة عربية.', 'عاصمتها القاهرة.')).text
        'مصر\\n\\nمصر دولة عربية.\\n\\nعاصمتها القاهرة.\\n'
        """
        return "\n\n".join((self.title, *self.paragraphs)) + "\n"

    @property
    def file_name(self) -> str:
        """A file name made of the title (a «/» would be a folder).

        >>> DevArticle('نادي الهلال (السعودية)', ()).file_name, DevArticle('أ/ب', ()).file_name
        ('نادي الهلال (السعودية).txt', 'أ-ب.txt')
        """
        return self.title.replace("/", "-").replace("\\", "-") + ".txt"


def dev_articles(path: Path = ARCD) -> list[DevArticle]:
    """Every article of the dataset, in its order; paragraphs stripped, empty ones left out."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    return [DevArticle(" ".join(a["title"].split()),
                       tuple(" ".join(p["context"].split()) for p in a["paragraphs"] if p["context"].strip()))
            for a in data]


def write_corpus(folder: Path, articles: list[DevArticle] | None = None) -> list[Path]:
    """The articles written as ``.txt`` files into ``folder`` (created); returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for art in dev_articles() if articles is None else articles:
        p = folder / art.file_name
        p.write_text(art.text, encoding="utf-8")
        out.append(p)
    return out
