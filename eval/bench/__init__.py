"""`rag bench`: speed, memory and quality of the pieces on this machine.

run (the sections and bench.json), corpus (synthetic corpora and stand-in
vectors), indexing (build, incremental, retrieval, exact vs approximate),
llm (generation, KV cache), memory, load (concurrent chat clients), report
(bench.md and the chart), stats (helpers), targets (pass/fail lines).
"""

from .run import BenchConfig, run_bench

__all__ = ["BenchConfig", "run_bench"]
