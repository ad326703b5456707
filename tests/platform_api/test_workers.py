"""The background worker every platform process runs (outbox, attachments) and the crash
points of the end-to-end crash tests."""

import subprocess
import sys
import threading
import time

import pytest

from platform_api.config import REPO_ROOT, Settings, UnsafeSettingsError
from platform_api.workers import BackgroundWorker


def test_a_woken_worker_takes_queued_work_at_once_not_at_the_next_poll() -> None:
    ran = threading.Event()
    rounds: list[float] = []

    def outbox_round() -> float | None:
        rounds.append(time.monotonic())
        if len(rounds) > 1:
            ran.set()
        return None

    worker = BackgroundWorker({"outbox": outbox_round}, poll_seconds=30)
    worker.start()
    try:
        time.sleep(0.2)
        woken_at = time.monotonic()
        worker.wake()
        assert ran.wait(5)
        assert rounds[1] - woken_at < 1
    finally:
        worker.stop()


def test_a_failing_round_does_not_stop_the_others_nor_the_worker() -> None:
    done = threading.Event()
    calls = {"broken": 0, "attachments": 0}

    def broken() -> float | None:
        calls["broken"] += 1
        raise RuntimeError("database is locked")

    def attachments() -> float | None:
        calls["attachments"] += 1
        if calls["attachments"] >= 3:
            done.set()
        return None

    worker = BackgroundWorker({"outbox": broken, "attachments": attachments}, poll_seconds=0.05)
    worker.start()
    try:
        assert done.wait(5)
    finally:
        worker.stop()
    assert calls["broken"] >= 3


def test_the_worker_sleeps_only_until_the_earliest_retry_comes_due() -> None:
    worker = BackgroundWorker({"outbox": lambda: 0.2, "attachments": lambda: None}, poll_seconds=5)
    assert worker.run_once() == pytest.approx(0.2)


def test_a_crash_point_kills_the_process_there_with_sigkill() -> None:
    script = (
        "from platform_api.crashpoints import crash_point\n"
        "crash_point('attachment.before_store')\n"
        "crash_point('outbox.before_graph')\n"
        "print('not reached')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PROSUMINISTROS_ENV_FILE": "",
            "ENVIRONMENT": "test",
            "PLATFORM_CRASH_POINT": "outbox.before_graph",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == -9, result.stderr
    assert "not reached" not in result.stdout


def test_production_refuses_a_crash_point() -> None:
    secrets = {
        name: "s3cr3t-value-0123456789"
        for name in (
            "platform_service_token",
            "platform_session_secret",
            "whatsapp_app_secret",
            "whatsapp_verify_token",
            "whatsapp_bot_token",
            "rasa_auth_token",
            "action_server_secret",
            "token_encryption_key",
            "meta_app_secret",
        )
    }
    with pytest.raises(UnsafeSettingsError, match="PLATFORM_CRASH_POINT"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            environment="production",
            platform_crash_point="outbox.before_graph",
            **secrets,
        )
