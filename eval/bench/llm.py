"""Generation speed through the Assistant vs a bare llama_cpp.Llama call,
and KV-cache prefix reuse (memory is in bench_memory)."""

from __future__ import annotations

import time

from rag.generate import CHAT_REPEAT_PENALTY, COMPLETION_REPEAT_PENALTY

from .stats import cpu_snapshot, other_cpu_share, summary


class Recorder:
    """Wraps the Assistant's generator and records what it is asked to
    complete (messages, max_tokens, temperature, stop), so the bare call can
    send exactly the same.  ``dry=True`` generates nothing: it only learns the
    prompt (the Assistant then falls back to extractive, which is not timed).
    Passing through costs one Python generator frame per streamed piece."""

    def __init__(self, gen, dry: bool = False):
        self._gen = gen
        self.dry = dry
        self.call: tuple | None = None

    def __getattr__(self, name):
        return getattr(self._gen, name)

    def stream(self, messages, max_tokens=256, temperature=0.1, stop=None, deadline=None):
        self.call = ([dict(m) for m in messages], max_tokens, temperature, list(stop or []))
        self.seen = {"called": time.perf_counter()}
        if self.dry:
            return iter(())
        return self._through(self._gen.stream(messages, max_tokens, temperature, stop, deadline=deadline))

    def _through(self, it):
        """Pass pieces on, noting when the model produced the first and last."""
        n = 0
        try:
            for piece in it:
                if not n:
                    self.seen["first"] = time.perf_counter()
                n += 1
                yield piece
        finally:
            self.seen.update(end=time.perf_counter(), pieces=n)
            close = getattr(it, "close", None)
            if close:
                close()

    def model_timings(self) -> dict:
        """TTFT and tokens/s at the generator, i.e. without the Assistant's own work."""
        t = self.seen
        out = {}
        if "first" in t:
            out["model_ttft"] = t["first"] - t["called"]
            if t["pieces"] > 1:
                out["model_tokens_per_s"] = (t["pieces"] - 1) / max(t["end"] - t["first"], 1e-6)
        return out


def _bare_stream(llm, call: tuple, chat: bool, max_tokens: int | None = None):
    """The bare llama_cpp.Llama call rag/generate.py's LlamaCppGenerator makes,
    with the recorded arguments (``max_tokens`` overrides for warm-up / TTFT)."""
    messages, mt, temperature, stop = call
    mt = max_tokens or mt
    if chat:
        for part in llm.create_chat_completion(messages=messages, max_tokens=mt, temperature=temperature,
                                               stream=True, stop=stop or None, repeat_penalty=CHAT_REPEAT_PENALTY):
            piece = part["choices"][0].get("delta", {}).get("content")
            if piece:
                yield piece
    else:
        from rag.generate import flatten

        for part in llm(flatten(messages), max_tokens=mt, temperature=temperature, stream=True,
                        stop=stop or None, repeat_penalty=COMPLETION_REPEAT_PENALTY):
            piece = part["choices"][0].get("text")
            if piece:
                yield piece


def _time_stream(pieces, first_only: bool = False) -> dict:
    """TTFT and tokens/s counted exactly as rag/answer.py counts them
    (non-empty streamed pieces; rate over pieces after the first)."""
    t0 = time.perf_counter()
    first, n = None, 0
    for _ in pieces:
        if first is None:
            first = time.perf_counter()
            if first_only:
                break
        n += 1
    end = time.perf_counter()
    close = getattr(pieces, "close", None)
    if close:
        close()
    out = {"ttft": (first or end) - t0, "tokens": n}
    if first is not None and n > 1:
        out["tokens_per_s"] = (n - 1) / max(end - first, 1e-6)
    return out


def generation_settings(s, max_tokens: int):
    from rag.models import bundled_gguf

    return s.replace(llm_model=str(bundled_gguf()), llm_url="", k=5, mode="generative", max_tokens=max_tokens)


def bench_generation(s, questions: list[str], n: int, kv_pairs: int) -> dict:
    """``s`` already points at the bundled model (see generation_settings)."""
    from llama_cpp import Llama

    from rag.answer import Answer, Assistant
    from rag.generate import default_threads, flatten
    from rag.generators import get_generator

    t0 = time.perf_counter()
    gen = get_generator(s.llm_model, s.llm_url, s.llm_ctx, s.llm_threads, s.llm_timeout)
    load_s = time.perf_counter() - t0
    threads = s.llm_threads or default_threads()
    t0 = time.perf_counter()
    bare = Llama(model_path=str(gen.path), n_ctx=gen.context_size, n_threads=threads, n_threads_batch=threads,
                 verbose=False)
    bare_load_s = time.perf_counter() - t0
    live = Recorder(gen)
    assistant = Assistant(s, generator=live)
    # The default mode (auto): with the bundled base model it shows the checked
    # evidence sentences without calling the model (rag/answer.py resolve_mode).
    default_assistant = Assistant(s.replace(mode="auto", llm_model=""))
    dry = Recorder(gen, dry=True)
    dry_assistant = Assistant(s, generator=dry)

    def prompt_for(question: str) -> tuple | None:
        """The exact call the Assistant would make for this question (None: it abstains)."""
        dry.call = None
        for _ in dry_assistant.stream(question, mode="generative"):
            pass
        return dry.call

    def via_assistant(question: str) -> dict:
        live.call = None
        ans = None
        for ev in assistant.stream(question, mode="generative"):
            if isinstance(ev, Answer):
                ans = ev
        return {**ans.timings, **live.model_timings()}

    def via_bare(call: tuple) -> dict:
        r = _time_stream(_bare_stream(bare, call, gen.chat))
        r["prompt_tokens"] = len(bare.tokenize(flatten(call[0]).encode("utf-8"), add_bos=False, special=False))
        return r

    # Warm both models (weights paged in, instructions in the KV cache) with a
    # few tokens of one question, so every measured call starts in the same state.
    for warm_q in questions[::-1]:
        call = prompt_for(warm_q)
        if call:
            for _ in Assistant(s.replace(max_tokens=4), generator=gen).stream(warm_q, mode="generative"):
                pass
            _time_stream(_bare_stream(bare, call, gen.chat, max_tokens=4))
            break

    rows, skipped, calls = [], [], []
    for q in questions:
        if len(rows) >= n:
            break
        call = prompt_for(q)
        if call is None:
            skipped.append({"question": q, "reason": "the Assistant abstains (no prompt sent to the model)"})
            continue
        calls.append(call)
        order = ("assistant", "bare") if len(rows) % 2 == 0 else ("bare", "assistant")
        got, busy = {}, {}
        for who in order:
            c0 = cpu_snapshot()
            got[who] = via_assistant(q) if who == "assistant" else via_bare(call)
            busy[who] = other_cpu_share(c0, cpu_snapshot())
        a = got["assistant"]
        default = default_assistant.ask(q).timings  # what a user gets without flags (auto mode)
        if "tokens_per_s" not in a or "tokens_per_s" not in got["bare"]:
            skipped.append({"question": q, "reason": "fewer than 2 tokens generated"})
            continue
        rows.append({
            "question": q, "identical_prompt": live.call == call,
            "assistant": {**{k: a[k] for k in ("ttft", "first_checked", "tokens_per_s", "tokens", "prompt_tokens",
                                               "model_ttft", "model_tokens_per_s") if k in a},
                          "other_cpu_share": busy["assistant"]},
            "default_first_checked": default.get("first_checked"),
            "bare": {**got["bare"], "other_cpu_share": busy["bare"]},
        })
    out = {"model": gen.name, "chat_template": gen.chat, "context": gen.context_size, "threads": threads,
           "max_tokens": s.max_tokens, "temperature": s.temperature,
           "passage_tokens": getattr(s, "passage_tokens", None),
           "load_s": load_s, "bare_load_s": bare_load_s, "questions": len(rows), "skipped": skipped, "rows": rows}
    if rows:
        A = [r["assistant"] for r in rows]
        B = [r["bare"] for r in rows]
        out["assistant_ttft_s"] = summary([x["ttft"] for x in A])
        out["bare_ttft_s"] = summary([x["ttft"] for x in B])
        out["assistant_tokens_per_s"] = summary([x["tokens_per_s"] for x in A])
        out["bare_tokens_per_s"] = summary([x["tokens_per_s"] for x in B])
        out["prompt_tokens"] = summary([x["prompt_tokens"] for x in B])
        out["tokens_per_s_ratio"] = summary([a["tokens_per_s"] / b["tokens_per_s"] for a, b in zip(A, B)])
        out["ttft_ratio"] = summary([a["ttft"] / b["ttft"] for a, b in zip(A, B)])
        # Time from the question to the first sentence that passed the check,
        # i.e. the first text on screen: generative (sentences the checker
        # rejected hold it back) and the default mode.
        gen_first = [a["first_checked"] for a in A if a.get("first_checked") is not None]
        if gen_first:
            out["assistant_first_checked_s"] = summary(gen_first)
        dflt = [r["default_first_checked"] for r in rows if r.get("default_first_checked") is not None]
        if dflt:
            out["default_first_checked_s"] = summary(dflt)
        if all("model_ttft" in a for a in A):
            out["assistant_before_model_s"] = summary([a["ttft"] - a["model_ttft"] for a in A])
            out["assistant_model_ttft_s"] = summary([a["model_ttft"] for a in A])
        out["identical_prompts"] = all(r["identical_prompt"] for r in rows)

    # KV-cache prefix reuse on the bare model: question B right after a reset
    # (cold) vs right after question A with the same instructions (warm);
    # each twice, alternating, per pair.
    def first_token(call) -> float:
        return _time_stream(_bare_stream(bare, call, gen.chat, max_tokens=1), first_only=True)["ttft"]

    for q in questions[len(rows) + len(skipped):]:
        if len(calls) >= 2 * kv_pairs:
            break
        call = prompt_for(q)
        if call:
            calls.append(call)
    pairs = calls[: 2 * kv_pairs]
    cold, hot, shared, total = [], [], [], []
    for i in range(0, len(pairs) - 1, 2):
        pa, pb = pairs[i], pairs[i + 1]
        ta = bare.tokenize(flatten(pa[0]).encode("utf-8"))
        tb = bare.tokenize(flatten(pb[0]).encode("utf-8"))
        shared.append(next((j for j, (x, y) in enumerate(zip(ta, tb)) if x != y), min(len(ta), len(tb))))
        total.append(len(tb))
        c, h = [], []
        for _ in range(2):
            bare.reset()
            c.append(first_token(pb))
            first_token(pa)
            h.append(first_token(pb))
        cold.append(sum(c) / 2)
        hot.append(sum(h) / 2)
    if cold:
        out["kv_cache"] = {
            "pairs": len(cold), "prompt_tokens": summary(total), "shared_prefix_tokens": summary(shared),
            "ttft_cold_s": summary(cold), "ttft_warm_s": summary(hot),
            "saved_s": summary([c - h for c, h in zip(cold, hot)]),
            "expected_saving_s": summary([sh / (t / c) for sh, t, c in zip(shared, total, cold)]),
        }
    bare = None  # free the second copy of the model before the memory section
    return out
