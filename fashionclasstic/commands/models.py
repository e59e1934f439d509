"""``python -m fashionclasstic models``: the registered models, their gates, and whether they can run here
(or why they would skip: a framework or pretrained weights absent)."""

from __future__ import annotations

import argparse


def add_parser(commands) -> None:
    parser = commands.add_parser("models", help="list the registered models and whether they can run here")
    parser.add_argument("pattern", nargs="?", default="*", help="glob pattern of model names")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from fashionclasstic.models import get_model_spec, list_models
    from fashionclasstic.profiles import DEFAULT_PROFILE, PROFILES
    from fashionclasstic.thresholds import gate_text, load_thresholds

    thresholds = load_thresholds()
    rows = []
    for name in list_models(args.pattern):
        spec = get_model_spec(name)
        rows.append([name, spec.family, spec.framework, "yes" if spec.pretrained else "",
                     *(gate_text(spec, profile, thresholds) for profile in PROFILES),
                     spec.skip_reason(DEFAULT_PROFILE) or "ready", spec.description])
    print(tabulate(rows, headers=["model", "family", "framework", "pretrained", *(f"{p} gate" for p in PROFILES),
                                  "here", "description"]))
    print("A gate catches a drop of the mean accuracy larger than its margin (pts); --fc-repeats N judges the "
          "mean of N runs with a margin narrowed by sqrt(N) (see thresholds.toml).")
    return 0
