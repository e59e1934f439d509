"""``python -m fashionclasstic ab``: two revisions benchmarked interleaved on this machine, judged."""

from __future__ import annotations

import argparse

DESCRIPTION = ("Benchmark two revisions on this machine, interleaved (BASE, HEAD, BASE, HEAD, ... one pytest session "
               "each, seeds SEED..SEED+REPEATS-1), save each side as a run and judge HEAD against BASE with compare's "
               "rules. BASE is checked out into a temporary git worktree of the repository you are in; HEAD is the "
               "working tree unless named. Both sides ran on this machine, so their times are judged as one machine's "
               "whatever fingerprint each revision computes. Options after -- go to both sides' pytest (e.g. -- -p "
               "no:randomly --fc-profile smoke --fc-models logreg); relative paths resolve in each side's tree; "
               "refused are only those that change what ab controls: the seed, the repeats, xdist and where "
               "results go.")


def add_parser(commands) -> None:
    parser = commands.add_parser("ab", help="benchmark two revisions interleaved on this machine and judge the change",
                                 description=DESCRIPTION, usage="%(prog)s BASE [HEAD] [options] [-- PYTEST_OPTIONS]")
    parser.add_argument("base", metavar="BASE", help="the baseline revision (a commit, branch or tag)")
    parser.add_argument("head", metavar="HEAD", nargs="?", help="the revision judged (default: the working tree)")
    parser.add_argument("--fail-on", metavar="SPEC",
                        help="exit 1 when HEAD regressed beyond these limits (as compare's)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="rounds per side (default 5: the fewest from which a time change can be significant)")
    parser.add_argument("--seed", type=int, default=0, help="the first round's seed (default 0)")
    parser.add_argument("--out", metavar="DIR",
                        help="where the rounds and both runs go (default .fashionclasstic/ab/<time>)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fashionclasstic.runs.ab import ab

    return ab(args.base, args.head, args.fail_on, repeats=args.repeats, seed=args.seed, options=args.pytest_options,
              out=args.out)
