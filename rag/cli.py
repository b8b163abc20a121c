"""The `rag` command. Heavy libraries load inside the command that needs them,
so `rag --help` is instant."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.errors import QuestionError, RagError

from .cli_print import print_answer, print_hits, print_index_status, print_models
from .history_cli import add_parser as add_history_parser
from .settings import Settings, load_settings

EXIT_SKIPPED = 3  # index built, but some files were skipped
EXIT_LLM_FALLBACK = 4  # answered, but not by the LLM asked for (it could not be loaded or failed)


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _settings(args: argparse.Namespace) -> Settings:
    keys = (
        "corpus", "index", "embedder", "index_type", "chunk_size", "chunk_overlap", "k", "retriever",
        "mode", "llm_model", "llm_url", "host", "port", "analyzer", "history_db", "store", "milvus_uri",
        "milvus_collection",
    )
    overrides = {k: getattr(args, k, None) for k in keys}
    if isinstance(overrides["mode"], list):  # `rag eval --mode a --mode b` picks modes to evaluate
        overrides["mode"] = None
    return load_settings(Path(args.config) if args.config else None, overrides=overrides)


def _load_store(s: Settings):
    from .stores import open_store

    return open_store(s)


def cmd_index_build(args, s: Settings) -> int:
    from .stores import build_store

    try:
        report = build_store(s, full=args.full, show_bar=sys.stderr.isatty(), follow_links=args.follow_links)
    except OSError as e:  # e.g. the disk filled up mid-build
        where = f" ({e.filename})" if e.filename else ""
        raise RagError(f"The build failed: {e.strerror or e}{where}. The previous index, if any, is unchanged "
                       "and still used.") from None
    print(report.summary())
    print(f"index: {s.milvus_target() if s.store == 'milvus' else s.index}")
    return EXIT_SKIPPED if report.skipped else 0


def cmd_index_status(args, s: Settings) -> int:
    from index.status import corpus_status

    store = _load_store(s)
    print_index_status(store, corpus_status(s.corpus, store.manifest) if s.corpus.is_dir() else None, s.corpus)
    return 0


def cmd_index_remove(args, s: Settings) -> int:
    """Move articles out of the corpus folder into <corpus>/.removed/ (recoverable), then say to rebuild."""
    from index.removed import move_aside

    for name in args.names:
        where = move_aside(s.corpus, name)
        print(f"removed: {name} -> {where}")
    print(f"Moved, not deleted: move a file back from {s.corpus / '.removed'} to restore it. "
          "Run `rag index build` so the index drops the removed articles.")
    return 0


def cmd_search(args, s: Settings) -> int:
    from .retrieve import make_retriever
    from .textio import clean_question

    question = clean_question(args.question, s.max_question_chars)
    store = _load_store(s)
    r = make_retriever(store, s)
    res = r.search(question.text, k=s.k)
    print_hits(res, question.notices, args.json)
    return 0


def read_history(path: str | None) -> list[tuple[str, str]]:
    """Earlier turns for a follow-up: a JSON list of questions, of [question,
    answer] pairs, or of {"question", "answer"} objects ("-" reads stdin)."""
    if not path:
        return []
    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        data = json.loads(raw)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise RagError(f"--history {path}: cannot read it as JSON ({e}). Give a JSON list of earlier questions, "
                       'e.g. ["لماذا تغيب بوتين عن قمة بريكس؟"].') from None
    turns: list[tuple[str, str]] = []
    for item in data if isinstance(data, list) else [None]:
        if isinstance(item, str):
            turns.append((item, ""))
        elif isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
            turns.append((item[0], item[1]))
        elif isinstance(item, dict) and isinstance(item.get("question"), str):
            turns.append((item["question"], str(item.get("answer") or "")))
        else:
            raise RagError(f"--history {path}: each turn must be a question, a [question, answer] pair or an "
                           'object with "question" (and "answer"); oldest first.')
    return turns


def cmd_ask(args, s: Settings) -> int:
    from .answer import Answer, Assistant

    history = read_history(args.history)
    assistant = Assistant(s)
    if s.mode != "extractive" and (s.llm_model or s.llm_url or s.mode == "generative") and not args.json:
        try:  # say so before the answer, not after it
            assistant.generator()
        except RagError as e:
            print(f"warning: LLM unavailable ({e}); answering by extracting sentences.", file=sys.stderr)
    if args.json or args.no_stream:
        ans = assistant.ask(args.question, history=history)
        if args.json:
            print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
        else:
            print_answer(ans, "")
        return _ask_status(ans)
    streamed = ""
    ans = None
    for event in assistant.stream(args.question, history=history):
        if isinstance(event, Answer):
            ans = event
            print_answer(event, streamed)
        elif isinstance(event, str):  # checked text; Checking events just mean "wait"
            streamed += event
            print(event, end="", flush=True)
    return _ask_status(ans)


def _ask_status(ans) -> int:
    from .notices import LLM_NOT_USED

    return EXIT_LLM_FALLBACK if ans and any(n.code in LLM_NOT_USED for n in ans.notices) else 0


def cmd_chat(args, s: Settings) -> int:
    from ui.app import launch

    launch(s, share=args.share)
    return 0


def cmd_eval(args, s: Settings) -> int:
    if args.squad:  # the open-corpus eval: a SQuAD-format file indexed as a folder (eval/open_corpus.py)
        from eval.open_corpus import run_open_eval

        out = Path(args.out if args.out != "runs/eval" else "runs/eval-squad")
        summary = run_open_eval(s.replace(k=args.k), Path(args.squad), args.seed, out,
                                Path(args.english) if args.english else None, articles=args.articles)
        print(json.dumps(summary["answer"], ensure_ascii=False, indent=2))
        print(f"report: {out / 'report.md'}")
        return 0
    from eval.runner import run_eval

    summary = run_eval(
        s, dataset=Path(args.dataset) if args.dataset else None, out=Path(args.out),
        retrieval_only=args.retrieval_only, modes=args.mode or None, limit=args.limit,
    )
    print(json.dumps(summary["headline"], ensure_ascii=False, indent=2))
    print(f"index: {s.store} ({summary['index']['chunks']} chunks)")
    print(f"report: {Path(args.out) / 'report.md'}")
    return 0


def cmd_bench(args, s: Settings) -> int:
    if args.scale:
        from eval.bench.scale import BACKENDS, parse_sizes, run_scale

        backends = tuple(args.backends.split(",")) if args.backends else BACKENDS
        if unknown := set(backends) - set(BACKENDS):
            raise RagError(f"Unknown backend(s) {', '.join(sorted(unknown))}; choose from {', '.join(BACKENDS)}.")
        try:
            sizes = parse_sizes(args.scale)
        except (ValueError, KeyError, IndexError):
            raise RagError(f"--scale {args.scale!r}: give sizes like 100k,1m.") from None
        run_scale(Path(args.out), sizes, s, backends)
        print(f"scale: {Path(args.out) / 'scale.md'}")
        return 0
    from eval.bench import run_bench

    run_bench(Path(args.out), quick=args.quick, settings=s)
    print(f"bench: {Path(args.out) / 'bench.md'}")
    return 0


def cmd_models(args, s: Settings) -> int:
    from . import models

    if args.models_cmd == "pull":
        path = models.pull(args.name)
        print(f"downloaded {args.name} -> {path}")
        return 0
    print_models(models.list_models())
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Arabic-first local RAG over news articles.")
    p.add_argument("--config", help="TOML settings file (default: ./rag.toml or $RAG_CONFIG)")
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp):
        sp.add_argument("--index", help="index directory (default: data/index)")
        sp.add_argument("--corpus", help="articles folder (default: data/articles)")
        sp.add_argument("--store", choices=("faiss", "milvus"), help="index backend (default: faiss)")
        sp.add_argument("--milvus-uri", help="Milvus Lite file (*.db, default <index>/milvus.db) or "
                                             "http://host:19530; the token comes from RAG_MILVUS_TOKEN")
        sp.add_argument("--milvus-collection", help="name (alias) of the index in Milvus (default: arabic_rag)")

    pi = sub.add_parser("index", help="build or inspect the index")
    isub = pi.add_subparsers(dest="index_cmd", required=True)
    b = isub.add_parser("build", help="build or update the index (incremental by default)")
    common(b)
    b.add_argument("--embedder", help="use-m3 (default) or sentence-transformers:<model id or path>")
    b.add_argument("--full", action="store_true", help="re-embed everything")
    b.add_argument("--follow-links", action="store_true",
                   help="also index links that point outside the corpus folder (skipped by default)")
    b.add_argument("--index-type", choices=("flat", "hnsw", "ivf"))
    b.add_argument("--chunk-size", type=int)
    b.add_argument("--chunk-overlap", type=int)
    b.add_argument("--analyzer", choices=("word", "stem", "stem+skeleton", "ngram"))
    b.set_defaults(func=cmd_index_build)
    st = isub.add_parser("status", help="articles, chunks, embedder, stale files")
    common(st)
    st.set_defaults(func=cmd_index_status)
    rm = isub.add_parser("remove", help="move articles out of the corpus folder into <corpus>/.removed/ (recoverable)")
    common(rm)
    rm.add_argument("names", nargs="+", metavar="NAME", help="a file name as `rag index status` lists it")
    rm.set_defaults(func=cmd_index_remove)

    se = sub.add_parser("search", help="show the passages retrieved for a question")
    common(se)
    se.add_argument("question")
    se.add_argument("--k", type=_positive)
    se.add_argument("--retriever", choices=("hybrid", "dense", "bm25"))
    se.add_argument("--json", action="store_true")
    se.set_defaults(func=cmd_search)

    pa = sub.add_parser("ask", help="answer a question with cited passages")
    common(pa)
    pa.add_argument("question")
    pa.add_argument("--mode", choices=("auto", "generative", "extractive"))
    pa.add_argument("--llm-model", help="GGUF path or a name from `rag models list` (default: bundled Gemma 3 270M)")
    pa.add_argument("--llm-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    pa.add_argument("--k", type=_positive)
    pa.add_argument("--retriever", choices=("hybrid", "dense", "bm25"))
    pa.add_argument("--json", action="store_true", help="print one JSON object")
    pa.add_argument("--no-stream", action="store_true")
    pa.add_argument("--history", metavar="FILE",
                    help="earlier turns for a follow-up: a JSON list of questions or [question, answer] pairs, "
                         "oldest first ('-' reads stdin)")
    pa.set_defaults(func=cmd_ask)

    pc = sub.add_parser("chat", help="open the Gradio chat (builds the index first if needed)")
    common(pc)
    pc.add_argument("--host", help="bind address (default 127.0.0.1)")
    pc.add_argument("--port", type=int, help="port (default 7860)")
    pc.add_argument("--llm-model")
    pc.add_argument("--llm-url")
    pc.add_argument("--mode", choices=("auto", "generative", "extractive"))
    pc.add_argument("--share", action="store_true", help="create a public Gradio share link (off by default)")
    pc.set_defaults(func=cmd_chat)

    pe = sub.add_parser("eval", help="run an eval dataset and write summary.json, results.jsonl, report.md/png")
    common(pe)
    pe.add_argument("--dataset", help="JSONL dataset (default: eval/datasets/arabic_news.jsonl)")
    pe.add_argument("--k", type=_positive)
    pe.add_argument("--retrieval-only", action="store_true")
    pe.add_argument("--mode", action="append", choices=("auto", "generative", "extractive"),
                    help="answer mode(s) to evaluate; repeatable (default: both)")
    pe.add_argument("--out", default="runs/eval", help="output folder (default: runs/eval)")
    pe.add_argument("--limit", type=_positive, help="only the first N questions")
    pe.add_argument("--squad", help="a SQuAD-format JSON file: index its articles as a folder and answer its "
                    "questions, cross-validated by article (e.g. eval/datasets/arcd/arcd-train.json)")
    pe.add_argument("--seed", type=int, default=0, help="--squad: which articles and paragraphs are left out")
    pe.add_argument("--english", help="--squad: English versions of some of its questions (JSONL with id, question)")
    pe.add_argument("--articles", type=_positive, help="--squad: only the first N articles (a quick run)")
    pe.add_argument("--llm-model")
    pe.add_argument("--llm-url")
    pe.set_defaults(func=cmd_eval)

    pb = sub.add_parser("bench", help="speed, memory and scaling benchmarks")
    pb.add_argument("--quick", action="store_true", help="small sizes, few repeats (about 3 minutes)")
    pb.add_argument("--out", default="runs/bench", help="output folder (default: runs/bench)")
    pb.add_argument("--scale", metavar="SIZES",
                    help="only the vector engines at these sizes, with stand-in vectors (e.g. 100k,1m): FAISS "
                         "flat/HNSW/IVF and Milvus Lite; writes scale.md, scale.json, scale.png")
    pb.add_argument("--backends", help="with --scale: a comma-separated subset of faiss-flat, faiss-hnsw, "
                                       "faiss-ivf, faiss-ivfsq, milvus-flat, milvus-hnsw, milvus-ivf")
    pb.set_defaults(func=cmd_bench)

    add_history_parser(sub)

    pm = sub.add_parser("models", help="list or download models")
    msub = pm.add_subparsers(dest="models_cmd", required=True)
    msub.add_parser("list", help="local and recommended models").set_defaults(func=cmd_models)
    pl = msub.add_parser("pull", help="download a recommended model (needs internet)")
    pl.add_argument("name")
    pl.set_defaults(func=cmd_models)
    return p


def main(argv: list[str] | None = None) -> int:
    # SIGPIPE stays ignored (Python's default): resetting it to SIG_DFL so that `rag search | head`
    # ends quietly also let any browser that closed its socket mid-reply kill `rag chat` outright
    # (exit -13, seen in CI). A closed stdout is handled below instead.
    args = build_parser().parse_args(argv)
    if getattr(args, "llm_model", None) and getattr(args, "llm_url", None):
        print("error: give either --llm-model (a local GGUF) or --llm-url (a server), not both", file=sys.stderr)
        return 2
    try:
        s = _settings(args)
        code = args.func(args, s)
        sys.stdout.flush()  # a closed pipe shows up here, in the handler below, not at interpreter exit
        return code
    except QuestionError as e:  # an empty or unusable question is a bad argument, like argparse's
        print(f"error: {e}", file=sys.stderr)
        return 2
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `rag search ... | head`: end quietly, like any Unix tool
        _silence_stdout()
        return 141  # what a shell reports for a pipe closed under a writer (128 + SIGPIPE)
    except OSError as e:  # a full disk, a file where a folder should be, permissions
        where = f": {e.filename}" if e.filename else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush finds no closed pipe to complain about."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
