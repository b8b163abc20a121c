"""One settings object, from defaults < TOML file < environment < CLI flags.

The TOML file is ``rag.toml`` in the working directory, or the path in
``RAG_CONFIG``.  Environment variables are ``RAG_<FIELD>`` (``RAG_K=8``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from index.errors import RagError

_REPO_DATA = Path(__file__).resolve().parents[1] / "data"


def _default_data() -> Path:
    return _REPO_DATA if _REPO_DATA.is_dir() else Path("data")


def cache_dir() -> Path:
    """Where assembled and pulled models live (``RAG_HOME`` overrides)."""
    base = os.environ.get("RAG_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "arabic-rag"
    )
    return Path(base)


@dataclass(frozen=True)
class Settings:
    corpus: Path = dataclasses.field(default_factory=lambda: _default_data() / "articles")
    index: Path = dataclasses.field(default_factory=lambda: _default_data() / "index")
    # where the index lives: FAISS generation folders under `index` (the default),
    # or Milvus: Milvus Lite in a .db file, or a server at http(s)://host:19530
    store: str = "faiss"  # faiss | milvus
    milvus_uri: str = ""  # empty: <index>/milvus.db (Milvus Lite)
    milvus_token: str = ""  # "user:password" or an API key, for a server with auth
    milvus_collection: str = "arabic_rag"  # the alias readers follow
    # indexing
    embedder: str = "use-m3"
    index_type: str = "flat"  # flat | hnsw | ivf
    chunk_size: int = 600
    chunk_overlap: int = 1
    chunk_unit: str = "chars"
    analyzer: str = "stem+skeleton"
    # retrieval
    k: int = 5
    retriever: str = "hybrid"  # hybrid | dense | bm25
    rrf_k: int = 10  # tuned on the eval set (10/20/60 compared in eval/README.md)
    dense_weight: float = 1.0
    # Below it the answer says the articles don't say: compared with the answer's
    # answerability (rag/abstain.py; swept in eval/README.md) and with the
    # retriever's passage confidence (`rag search`, the eval's abstention section).
    answerable_threshold: float = 0.315
    # answering
    # auto: generate with an instruct model or a server, answer with the checked
    # evidence sentences with a base model such as the bundled one (rag/answer.py)
    mode: str = "auto"  # auto | generative | extractive
    llm_model: str = ""  # GGUF path or pulled name; empty = bundled Gemma 3 270M
    llm_url: str = ""  # OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1
    llm_ctx: int = 0  # 0 = from the model, capped at 8192
    llm_threads: int = 0  # 0 = all cores but one (rag/generate.py default_threads)
    max_tokens: int = 256
    passage_tokens: int = 250  # prompt budget for all passages (0 = whole passages); see eval/README.md
    temperature: float = 0.1
    llm_timeout: float = 120.0
    max_question_chars: int = 1000
    support_threshold: float = 0.3
    # learned: the selector trained on open Arabic QA data (rag/selector.py, rag/data/selector.json);
    # rules: the hand rules as hard filters with answerable_threshold (the earlier answerer)
    selector: str = "learned"  # learned | rules
    # reading articles (index/reader.py): every file is parsed in a child process with at most
    # read_memory_mb of address space, for read_seconds + read_seconds_per_mb x its size in MB
    # (at most read_max_seconds).  A 77 KB PDF of 500 pages sharing one heavy stream stalled
    # every rebuild for 300 s; it now fails after 22 s and is not read again until it changes.
    read_seconds: float = 20.0
    read_seconds_per_mb: float = 30.0
    read_max_seconds: float = 300.0
    read_memory_mb: int = 2048
    # chat
    host: str = "127.0.0.1"
    port: int = 7860
    # answers the chat writes at once: 0 = one with an in-process model (llama.cpp
    # answers one question at a time anyway), four with an llm_url server, which
    # then writes while the chat retrieves and checks for the others
    answer_concurrency: int = 0
    queue_size: int = 64  # questions that may wait; beyond it a client is told the queue is full
    # logins one client address may try a minute, right or wrong (ui/auth.py): from loopback
    # 10,001 junk names in 12.5 s flushed a lockout; 60 a minute is one a second for everyone
    # behind one proxy or --share tunnel
    login_rate_per_minute: int = 60
    # saved conversations (rag/history.py); None = conversations.sqlite3 beside the index folder
    history_db: Path | None = None
    # the chat's example questions; empty: the demo's with the bundled articles, else made from the articles'
    # titles and kept when answered (ui/examples.py).  TOML: a list; RAG_EXAMPLES: separated by "|"
    examples: tuple[str, ...] = ()

    # which settings the user set (TOML, environment or flags), not a setting itself
    explicit: frozenset = dataclasses.field(default=frozenset(), repr=False, compare=False)

    def __post_init__(self) -> None:
        checks = (
            (self.k >= 1, f"k must be at least 1, not {self.k}"),
            (self.chunk_unit in ("chars", "words"), f"chunk_unit must be 'chars' or 'words', not {self.chunk_unit!r}"),
            (self.chunk_size >= (20 if self.chunk_unit == "chars" else 5),
             f"chunk_size {self.chunk_size} is too small (at least 20 characters or 5 words)"),
            (self.chunk_overlap >= 0, f"chunk_overlap must be 0 or more, not {self.chunk_overlap}"),
            (self.store in ("faiss", "milvus"), f"store must be faiss or milvus, not {self.store!r}"),
            (self.milvus_collection.replace("_", "a").isalnum() and self.milvus_collection.isascii()
             and not self.milvus_collection[:1].isdigit(),
             f"milvus_collection must be letters, digits and underscores, not {self.milvus_collection!r}"),
            (self.index_type in ("flat", "hnsw", "ivf"),
             f"index_type must be flat, hnsw or ivf, not {self.index_type!r}"),
            (self.retriever in ("hybrid", "dense", "bm25"),
             f"retriever must be hybrid, dense or bm25, not {self.retriever!r}"),
            (self.selector in ("learned", "rules"), f"selector must be learned or rules, not {self.selector!r}"),
            (self.mode in ("auto", "generative", "extractive"),
             f"mode must be auto, generative or extractive, not {self.mode!r}"),
            (self.max_tokens >= 1 and self.passage_tokens >= 0 and self.max_question_chars >= 10,
             "max_tokens must be at least 1, passage_tokens 0 or more, max_question_chars at least 10"),
            (0 <= self.port <= 65535, f"port must be 0-65535, not {self.port}"),
            (self.llm_timeout > 0, f"llm_timeout must be positive, not {self.llm_timeout}"),
            (self.answer_concurrency >= 0 and self.queue_size >= 1,
             "answer_concurrency must be 0 (automatic) or more and queue_size at least 1"),
            (self.read_seconds > 0 and self.read_seconds_per_mb >= 0 and self.read_max_seconds >= self.read_seconds
             and self.read_memory_mb >= 256, "read_seconds must be positive, read_seconds_per_mb 0 or more, "
             "read_max_seconds at least read_seconds and read_memory_mb at least 256"),
            (self.login_rate_per_minute >= 1,
             f"login_rate_per_minute must be at least 1, not {self.login_rate_per_minute}"),
        )
        errors = [msg for ok, msg in checks if not ok]
        if errors:
            raise RagError("Invalid settings: " + "; ".join(errors) + ".")

    @property
    def history_path(self) -> Path:
        """The conversation database: ``history_db``, or the data folder beside the index."""
        return self.history_db or self.index.parent / "conversations.sqlite3"

    def milvus_target(self) -> str:
        """The Milvus URI: the setting, or Milvus Lite in a file beside the FAISS index."""
        return self.milvus_uri or str(Path(self.index) / "milvus.db")

    def answers_at_once(self) -> int:
        """How many answers the chat writes at the same time.

        >>> Settings().answers_at_once(), Settings(llm_url="http://127.0.0.1:8000/v1").answers_at_once()
        (1, 4)
        """
        return self.answer_concurrency or (4 if self.llm_url else 1)

    def build_embedder(self) -> str | None:
        """The embedder a rebuild should use: the one the user set, else None
        (keep the index's own)."""
        return self.embedder if "embedder" in self.explicit else None

    def read_limits(self):
        from index.reader import ReadLimits

        return ReadLimits(seconds=self.read_seconds, seconds_per_mb=self.read_seconds_per_mb,
                          max_seconds=self.read_max_seconds, memory_mb=self.read_memory_mb)

    def chunk_config(self):
        from index.chunk import ChunkConfig

        return ChunkConfig(size=self.chunk_size, overlap=self.chunk_overlap, unit=self.chunk_unit)

    def build_options(self) -> dict:
        """``build_index`` keywords these settings describe (one place for
        `rag index build`, the chat's rebuild and its first start)."""
        return {"embedder": self.build_embedder(), "chunk_cfg": self.chunk_config(), "index_type": self.index_type,
                "analyzer": self.analyzer}

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(name: str, typ: Any, value: Any) -> Any:
    typ = str(typ)
    try:
        if "tuple" in typ:
            items = value if isinstance(value, (list, tuple)) else str(value).split("|")
            return tuple(str(q).strip() for q in items if str(q).strip())
        if "Path" in typ:
            return Path(str(value)).expanduser()
        if typ == "int":
            return int(value)
        if typ == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise RagError(f"Setting '{name}' must be {typ}, got {value!r}.") from None


def load_settings(
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    env = os.environ if env is None else env
    types = {f.name: f.type for f in fields(Settings) if f.name != "explicit"}
    values: dict[str, Any] = {}

    path = config or (Path(env["RAG_CONFIG"]) if env.get("RAG_CONFIG") else Path("rag.toml"))
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise RagError(f"Config file {path} is not valid TOML: {e}") from None
        for key, val in data.items():
            key = key.replace("-", "_")
            if key not in types:
                raise RagError(f"Unknown setting '{key}' in {path}. Known: {', '.join(types)}")
            values[key] = _coerce(key, types[key], val)
    elif config:
        raise RagError(f"Config file {config} does not exist.")

    for key, typ in types.items():
        raw = env.get(f"RAG_{key.upper()}")
        if raw not in (None, ""):
            values[key] = _coerce(key, typ, raw)

    for key, val in (overrides or {}).items():
        if val is not None and key in types:
            values[key] = _coerce(key, types[key], val)
    settings = Settings(**values, explicit=frozenset(values))
    from index.reader import configure

    configure(settings.read_limits())  # every read of this process (rebuilds, status, uploads) uses them
    return settings
