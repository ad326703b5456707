"""The end-to-end tests' stack: devstack's four real processes, or with E2E_PROFILE=scaled the
scale-out profile (tests/e2e/scaled_stack.py). Needs the trained model (`make train`)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from devstack.stack import MODEL, Stack, plan_stack, started_stack


@contextmanager
def running_stack(name: str, **settings: str) -> Iterator[Stack]:
    """The four processes with their own databases and ports; `settings` override the env."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does)")
    plan = plan_stack(name, **settings)
    if os.environ.get("E2E_PROFILE") == "scaled":
        # Same public ports and settings; nginx, PostgreSQL, Redis and two of each behind them.
        from tests.e2e.scaled_stack import running_scaled_stack

        with running_scaled_stack(name, plan.ports, plan.env, plan.tmp) as scaled:
            yield scaled
        return
    with started_stack(plan) as stack:
        yield stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Long timers: no Plantilla G reminder interferes with these conversations.
    with running_stack("e2e", INACTIVITY_MINUTES="120") as running:
        yield running


from tests.e2e.browser import browser, page, pytest_runtest_makereport  # noqa: E402, F401
