"""Errors that end a run with one clear message instead of a traceback.

Everything a user can fix (missing or corrupt data, an unknown model or profile, a bad option
value) raises a :class:`FashionClassticError`; the pytest plugin and the command line print its
message alone.
"""


class FashionClassticError(Exception):
    """A problem the user can fix; the message says how."""


class DataError(FashionClassticError):
    """The dataset could not be found, verified or parsed."""


class ConfigError(FashionClassticError):
    """A profile, model name, option value or thresholds entry is wrong."""


class RunStopped(FashionClassticError):
    """A run of several sessions (``ab``) stopped before its end: a side that could not run its
    cases, or Ctrl-C. The message says what is kept and where to look."""


class ModelUnavailable(FashionClassticError):
    """A model cannot run here (missing framework or pretrained weights): skip, do not fail.

    The message is one line that says what is missing and how to provide it.
    """


class ModelError(FashionClassticError):
    """A model broke the protocol the suite needs (its predictions, its input, an optional
    method that failed): that model's failure, in one line that names it and says what to do."""


class WeightsError(FashionClassticError):
    """Pretrained weights are there but unreadable or do not fit the network: fail, naming
    the file and what to reinstall (a skip would hide a broken installation)."""
