"""Shared fixtures and options of the test suite.

* ``--host-users``: run the tests marked ``host_users``, which create a user on the
  host (``useradd``) to run part of the suite as an ordinary user. Without it they
  are skipped, saying how to run them; ``.ci/run`` runs them after ``make test``.
"""

from __future__ import annotations

import pytest

HOST_USERS = ".venv/bin/python -m pytest -m host_users --host-users"


def pytest_addoption(parser):
    parser.addoption("--host-users", action="store_true", default=False,
                     help="run the tests that create a host user (marked host_users; .ci/run does)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--host-users"):
        return
    skip = pytest.mark.skip(reason=f"creates a host user (useradd): run `{HOST_USERS}` as root to include it")
    for item in items:
        if "host_users" in item.keywords:
            item.add_marker(skip)
