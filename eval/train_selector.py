"""Make rag/data/selector.json, the answer selector's weights:

    python -m eval.train_selector [--squad eval/datasets/arcd/arcd-train.json] [--seed 0] [--out rag/data/selector.json]

Collects every candidate sentence of the dev folder (the SQuAD file split
with ``--seed``, indexed in a temporary folder) and of the bundled eval set,
fits the logistic selector over all of them, and takes its calibration and
abstention threshold from out-of-fold predictions (folds by article).
Deterministic for a seed: the same file gives the same weights.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from rag.selector import WEIGHTS
from rag.settings import load_settings

from . import selector_fit as sf
from .candidates import bundled_questions, squad_questions
from .dataset import DEFAULT_DATASET
from .squad import load_squad

DEV = Path(__file__).resolve().parent / "datasets" / "arcd" / "arcd-train.json"
# Refusing rules kept (rag/rule_flags.py): each one's dev-fold ablation is in eval/README.md;
# kind, slot_en, title and outcome did not pay there and are no longer applied.
KEPT_RULES = ("not_mentioned", "far", "roles", "nations", "reason", "typed")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.train_selector", description=__doc__.split("\n\n")[0])
    ap.add_argument("--squad", type=Path, default=DEV)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET, help="the bundled eval set (also trained on)")
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    args = ap.parse_args(argv)
    settings = load_settings().replace(selector="learned")
    split = load_squad(args.squad, args.seed)
    with tempfile.TemporaryDirectory() as work:
        dev, _ = squad_questions(split, Path(work), settings)
    bundled = bundled_questions(settings, args.dataset, split.folds)
    qs = dev + bundled
    outs = sf.cross_validated(qs, rules=KEPT_RULES)
    cv = {src: {k: round(v, 4) for k, v in sf.summary([o for o in outs if o.source == src]).items()
                if isinstance(v, float)} for src in ("dev", "bundled")}
    sel = sf.trained(qs, rules=KEPT_RULES)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(sel.to_json({"trained_on": {"squad": args.squad.name, "seed": args.seed,
                                                    "dev_questions": len(dev), "bundled_questions": len(bundled)},
                                     "cross_validated": cv}) + "\n", encoding="utf-8")
    print(json.dumps(cv, indent=1))
    print(f"wrote {args.out} (threshold {sel.threshold}, rules {', '.join(sel.rules)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
