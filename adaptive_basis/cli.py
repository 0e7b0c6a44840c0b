"""The ``adaptive-basis`` command (also ``python -m adaptive_basis``)."""

from __future__ import annotations

import argparse
import os
import sys

from . import experiments


def _jobs(value):
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be >= 1, got {n}")
    return n


def build_parser():
    parser = argparse.ArgumentParser(
        prog="adaptive-basis",
        description="Box initialization and LSGD (Cyr et al., MSML 2020): reproduce the paper's experiments.")
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("reproduce", help="run experiments; write PNGs, RESULTS.md and results.json",
                         description="Run the paper's experiments (all by default) and write one PNG per "
                                     "figure, RESULTS.md and results.json into --out.")
    rep.add_argument("names", nargs="*", metavar="NAME",
                     help=f"experiments to run (default: all): {', '.join(experiments.REGISTRY)}")
    prof = rep.add_mutually_exclusive_group()
    prof.add_argument("--quick", dest="profile", action="store_const", const="quick",
                      help="smoke-test sizes, about a minute in all")
    prof.add_argument("--full", dest="profile", action="store_const", const="full",
                      help="the paper's settings (hours)")
    rep.set_defaults(profile="default")
    rep.add_argument("--out", default="figures", help="output directory (default: figures/)")
    rep.add_argument("--seed", type=int, default=0, help="base seed of every run (default: 0)")
    rep.add_argument("--jobs", type=_jobs, default=os.cpu_count() or 1,
                     help="worker processes for independent runs (default: number of cores)")
    rep.add_argument("--list", action="store_true", help="list the experiments and exit")
    from .reference import add_parser as add_export_reference  # verification: reference numbers
    add_export_reference(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "reproduce":
        if args.list:
            for name in experiments.REGISTRY:
                print(f"{name:14s} {experiments.get(name).TITLE}")
            return 0
        unknown = [n for n in args.names if n not in experiments.REGISTRY]
        if unknown:
            parser.error(f"unknown experiment(s) {unknown}; choose from {list(experiments.REGISTRY)}")
        from .reproduce import run_experiments
        run_experiments(args.names, profile=args.profile, out_dir=args.out, seed=args.seed, jobs=args.jobs)
        return 0
    if args.command == "export-reference":
        from .reference import run_command
        return run_command(args)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
