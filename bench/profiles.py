"""Reading py-spy's raw (collapsed) stacks: where a process's samples went, by category."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

# Per process: what the thread is waiting for when a stack holds one of these anywhere.
WAITS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "platform": [
        ("waiting for the SQLite write lock (BEGIN IMMEDIATE)", ("_begin_immediate",)),
        ("SQLite commit", ("do_commit",)),
        ("Graph API call to the simulator", ("graph_client.py",)),
    ],
    "simulator": [
        ("creating an httpx client (its SSL context)", ("create_ssl_context",)),
    ],
}
# Per process: what the code is, by the frame nearest the leaf that matches.
KINDS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "platform": [
        ("SQL statements (sqlite3)", ("do_execute", "sqlite3/")),
        ("SQLAlchemy ORM and Core", ("sqlalchemy/",)),
        ("pydantic validation and serialisation", ("pydantic",)),
        ("JSON", ("json/",)),
        ("platform code", ("platform_api/",)),
        ("FastAPI, Starlette, uvicorn, anyio", ("fastapi/", "starlette/", "uvicorn/", "anyio/")),
    ],
    "rasa": [
        ("NLU: spaCy", ("spacy/", "thinc/")),
        ("TensorFlow (DIET, TED)", ("tensorflow/", "keras/")),
        ("jsonschema validation", ("jsonschema/",)),
        ("tracker store (SQLAlchemy, SQLite)", ("sqlalchemy/", "tracker_store.py")),
        ("httpx (connector → platform)", ("httpx/", "httpcore/")),
        ("aiohttp (→ action server)", ("aiohttp/",)),
        ("featurizers and policies", ("rasa/core/featurizers", "rasa/core/policies", "scipy/")),
        ("NLU components", ("rasa/nlu/", "nlu_components/")),
        ("graph runner and processor", ("rasa/engine/", "rasa/core/processor.py", "dask")),
        ("events and trackers", ("rasa/shared/",)),
        ("logging", ("logging/",)),
        ("connector code", ("connectors/",)),
        ("Sanic request handling", ("sanic/",)),
    ],
    "simulator": [
        ("webhook delivery to the connector (httpx)", ("httpx/", "httpcore/")),
        ("Graph request validation", ("graph_validation.py",)),
        ("simulator code", ("simulator/",)),
        ("FastAPI, Starlette, uvicorn", ("fastapi/", "starlette/", "uvicorn/", "anyio/")),
    ],
}
# A leaf where a thread waits for work: a worker's queue, an event loop's poll (Sanic's
# uvloop runs in C, so its idle loop shows as the Python frame `serve`).
IDLE_LEAVES = {"select", "wait", "get", "sleep", "poll", "accept", "_wait_for_tstate_lock", "serve"}
OWN_CODE = ("platform_api/", "connectors/", "simulator/", "actions/")


def read_stacks(path: Path) -> Counter[tuple[str, ...]]:
    """Stacks root first, leaf last, with their sample counts."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            frames = tuple(f for f in stack.split(";") if not f.startswith("thread ("))
            stacks[frames] += int(count)
    return stacks


def _function(frame: str) -> str:
    return frame.split(" (", 1)[0].rsplit(".", 1)[-1]


def classify(process: str, frames: tuple[str, ...]) -> str | None:
    """The category of one stack; None when the thread was idle."""
    joined = ";".join(frames)
    for name, marks in WAITS.get(process, []):
        if any(mark in joined for mark in marks):
            return name
    if frames and _function(frames[-1]) in IDLE_LEAVES:
        return None
    for frame in reversed(frames):
        for name, marks in KINDS.get(process, []):
            if any(mark in frame for mark in marks):
                return name
    return "other"


def summarise(process: str, path: Path, top: int = 6) -> dict[str, object]:
    """Shares of the non-idle samples by category, and our functions on those stacks."""
    stacks = read_stacks(path)
    busy: Counter[str] = Counter()
    own: Counter[str] = Counter()
    idle = 0
    for frames, count in stacks.items():
        category = classify(process, frames)
        if category is None:
            idle += count
            continue
        busy[category] += count
        for frame in {f for f in frames if any(f"({p}" in f for p in OWN_CODE)}:
            own[frame.split(":", 1)[0] + ")"] += count
    busy_total = sum(busy.values()) or 1
    return {
        "samples": sum(stacks.values()),
        "idle_samples": idle,
        "busy_samples": sum(busy.values()),
        "categories": {
            name: round(100 * count / busy_total, 1) for name, count in busy.most_common(top)
        },
        "own_functions": {
            name: round(100 * count / busy_total, 1) for name, count in own.most_common(top)
        },
    }
