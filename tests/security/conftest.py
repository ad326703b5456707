"""The security suite: the platform's app and database fixtures (tests/platform_api), and the
real processes where an attack is on a process (tests/support)."""

from tests.platform_api.conftest import *  # noqa: F403
