"""The commands of ``python -m fashionclasstic``, one module each (as asv's commands are).

A command module has ``add_parser(commands)``, which adds its subcommand to the
``argparse`` subparsers and sets ``run`` (``args -> exit status``) as its default; a new
command is a module here and one entry in :data:`COMMANDS`. Each module imports what it runs
only when it runs, so ``--help`` stays quick.
"""

from fashionclasstic.commands import (
    ab,
    calibrate,
    compare,
    data,
    explore,
    export,
    merge,
    mlflow,
    models,
    report,
    thresholds,
    trends,
)

# in --help's order
COMMANDS = (models, data, compare, ab, report, trends, thresholds, merge, calibrate, explore, mlflow, export)
