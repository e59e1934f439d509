"""Finding pretrained weights honestly: a local copy, the framework's cache, or a reachable hub.

When none is there the model is skipped with one line that says which weights are missing and
how to provide them; it is never silently trained from random weights under its pretrained name.
A closed network is detected in seconds, not after a download's time-out.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

PROBE_TIMEOUT_S = 3.0


def host_reachable(host: str, port: int = 443, timeout: float = PROBE_TIMEOUT_S) -> bool:
    if os.environ.get("HF_HUB_OFFLINE") == "1" and "huggingface" in host:
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def keras_cache_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def first_existing(*candidates: Path | None) -> Path | None:
    return next((c for c in candidates if c is not None and c.exists()), None)
