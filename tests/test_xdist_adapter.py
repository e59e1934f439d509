"""What the suite relies on in pytest-xdist and execnet, checked against the installed releases.

``fashionclasstic/plugin/xdist_adapter.py`` holds the two undocumented facts (xdist's resolution
of ``-n``/``--tx`` into workers, execnet's ``Popen`` of a local worker); the model scheduler
implements xdist's scheduler protocol and its crash hook. When a new pytest-xdist (4, capped in
``pyproject.toml`` because of this module) or execnet changes any of it, a test here fails:
run this file against the new release before lifting the cap.
"""

from __future__ import annotations

import inspect
import os
import signal

import execnet
import pytest
import xdist
from xdist import newhooks
from xdist.workermanage import WorkerController

from fashionclasstic.plugin.scheduling import ModelScheduling, worker_exit
from fashionclasstic.plugin.xdist_adapter import expected_workers, worker_returncode


def scheduler_protocol() -> type:
    """xdist's ``Scheduling`` protocol (3.6 on), else the scheduler the protocol was drawn from."""
    try:
        from xdist.scheduler.protocol import Scheduling
    except ImportError:
        from xdist.scheduler import LoadScopeScheduling as Scheduling
    return Scheduling


@pytest.mark.parametrize("args, workers", [(["-n", "3"], 3), (["-n", "3", "--maxprocesses", "2"], 2),
                                           (["--tx", "3*popen"], 3), (["--tx", "2*popen", "--tx", "popen"], 3)])
def test_expected_workers_is_what_xdist_starts(pytester, args, workers):
    from xdist.plugin import pytest_cmdline_main as xdist_resolves_its_options  # where -n N becomes --tx specs

    config = pytester.parseconfigure("-p", "xdist", *args)
    xdist_resolves_its_options(config)
    assert expected_workers(config) == workers


class Worker:
    """What xdist hands the scheduler about a worker, reduced to its gateway."""

    def __init__(self, gateway: execnet.Gateway):
        self.gateway = gateway


def test_the_exit_of_a_local_worker_process_is_read_from_its_execnet_gateway():
    group = execnet.Group()
    try:
        gateway = group.makegateway("popen//id=gw7")
        channel = gateway.remote_exec("import os; channel.send(os.getpid())")
        pid = channel.receive(timeout=30)
        assert worker_returncode(Worker(gateway), timeout=0.1) is None  # still running
        os.kill(pid, signal.SIGKILL)
        assert worker_returncode(Worker(gateway)) == -signal.SIGKILL
        assert worker_exit(Worker(gateway)) == "killed by SIGKILL"
    finally:
        group.terminate(timeout=5)


def test_the_model_scheduler_implements_every_member_of_xdists_scheduler_protocol():
    protocol = scheduler_protocol()
    members = {name for name in dir(protocol) if not name.startswith("_")}
    assert members >= {"add_node", "add_node_collection", "mark_test_complete", "remove_node", "schedule",
                       "nodes", "collection_is_completed", "tests_finished", "has_pending"}, members
    for name in sorted(members):
        theirs, ours = getattr(protocol, name), getattr(ModelScheduling, name, None)
        assert ours is not None, f"xdist {xdist.__version__}'s scheduler has {name}: ModelScheduling lacks it"
        if isinstance(theirs, property):
            assert isinstance(ours, property), name
        else:
            assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters), name


def test_what_the_scheduler_uses_of_xdist_is_there():
    assert list(inspect.signature(newhooks.pytest_handlecrashitem).parameters) == ["crashitem", "report", "sched"]
    assert list(inspect.signature(newhooks.pytest_xdist_make_scheduler).parameters) == ["config", "log"]
    for method in ("send_runtest_some", "shutdown"):
        assert callable(getattr(WorkerController, method)), method
    assert isinstance(WorkerController.shutting_down, property)
