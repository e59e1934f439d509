"""Under pytest-xdist, a model's training and inference cases go to one worker, in order:
they share the fitted model.

xdist's own ``loadgroup`` relies on rewriting node ids, which pytest 9.2 no longer allows, so
the cases are grouped here by their model. Tested against pytest-xdist 3.5–3.x (pinned in
``pyproject.toml``), whose ``LoadScopeScheduling._split_scope`` this overrides.
"""

from __future__ import annotations

from fashionclasstic.records import parse_case_name


def model_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ModelScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if "@" in nodeid:  # an xdist_group the user set
                return nodeid.rsplit("@", 1)[-1]
            case = parse_case_name(nodeid)
            return f"fashionclasstic-model:{case[1]}" if case else nodeid

    return ModelScheduling(config, log)
