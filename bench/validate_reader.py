"""Validation draws for choosing a clock reader or a reading setting: how a candidate reads fresh clocks of a
validation seed (never the seed the shipped figures are reported on), as `read` reads them.

Every choice in docs/clock_reader.md ("chosen on validation draws, by a rule written down before") was made on these
draws: 600 widened `varied` clocks and 300 of each held-out family (and `light-hands@4`, `small`), data seed 1010,
150 px. The "uncertain" threshold is chosen on the `varied` draw as `clock train` chooses it
(train.validation_threshold) and readings under it are searched for, as `read` and `evaluate` do. Prints a line a
set and writes the per-clock errors as JSON. A model that cannot be loaded exits 2, naming the file.

    .venv/bin/python bench/validate_reader.py MODEL.keras [--shares 0.9[,0.7,...]] [--sets a,b,...]
        [--seed 1010] [--varied 600] [--n 300] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ablab.cli import configure_backend

configure_backend([])  # the process as `ablab` sets it up

SETS = ("unseen-fonts", "unseen-hands", "unseen-ticks", "upright-ticks", "light-hands", "photo", "light-hands@4",
        "small")
VALIDATION_SEED = 1010  # the shipped reader's figures come from seed 1000 (bench/ship_reader.py)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--shares", default="0.9", help="upright shares to read with (comma-separated)")
    parser.add_argument("--sets", default=",".join(SETS), help="presets read besides `varied` (comma-separated)")
    parser.add_argument("--seed", type=int, default=VALIDATION_SEED)
    parser.add_argument("--varied", type=int, default=600, help="`varied` clocks (the threshold is chosen on them)")
    parser.add_argument("--n", type=int, default=300, help="clocks of every other set")
    parser.add_argument("--out", type=Path, help="JSON of every reading's error (default: MODEL.validation.json)")
    return parser.parse_args(argv)


def validate(reader, sets: dict, varied, share: float) -> dict:
    """{set: [mean min, wrong (> 1 min), flagged (under the threshold), errors]} read with `share`, and the
    threshold chosen on `varied` ("threshold"; as `clock train` chooses it: None, and no search, for a reader that
    reads none of them right)."""
    from ablab.clock.read.metrics import cse_minutes
    from ablab.clock.read.polar_stage import PolarOptions
    from ablab.clock.read.train import validation_threshold

    reader = reader.with_options(PolarOptions().with_upright_share(share))
    threshold = validation_threshold(reader, varied.images, varied.labels)
    reader = reader.with_options(PolarOptions.searching(threshold).with_upright_share(share))
    out: dict = {"threshold": threshold}
    for name, clocks in {"varied": varied, **sets}.items():
        print(f"  {name:14s}", end=" ", flush=True)  # a set takes 10–80 s to read on 2 cores
        start = time.perf_counter()
        labels, confidence = reader.read(clocks.images)
        errors = cse_minutes(clocks.labels, labels)
        flagged = int((confidence < (threshold or 0.0)).sum())
        out[name] = [float(errors.mean()), int((errors > 1).sum()), flagged, errors.round(1).tolist()]
        print(f"{errors.mean():7.2f} wrong {(errors > 1).sum():3d} flagged {flagged:3d}"
              f"  {time.perf_counter() - start:.0f} s", flush=True)
    return out


def main(argv=None) -> None:
    from ablab.clock.data.generate import generate
    from ablab.clock.read.reader import load_reader
    from ablab.errors import AblabError

    args = parse_args(argv)
    try:
        reader = load_reader(args.model)
    except AblabError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    names = ["varied", *(name for name in args.sets.split(",") if name)]
    print(f"drawing {', '.join(names)} (seed {args.seed})", flush=True)
    drawn = {name: generate(name, args.varied if name == "varied" else args.n, size=reader.input_size, seed=args.seed)
             for name in names}
    varied, sets = drawn.pop("varied"), drawn
    results = {}
    for share in (float(s) for s in args.shares.split(",")):
        print(f"upright share {share}:", flush=True)
        results[str(share)] = validate(reader, sets, varied, share)
    out = args.out or args.model.with_suffix(".validation.json")
    out.write_text(json.dumps({"model": str(args.model), "seed": args.seed, "shares": results}))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
