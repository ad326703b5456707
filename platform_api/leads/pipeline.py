"""The lead pipeline (nuevo → contactado → cotizado → ganado / perdido), read from
pipeline.toml beside this module so a business can change its stages without code."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tomllib

PIPELINE_FILE = Path(__file__).with_name("pipeline.toml")
KEY = re.compile(r"^[a-z0-9_]{1,30}$")


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    closed: bool = False


def load(path: Path = PIPELINE_FILE) -> tuple[Stage, ...]:
    """The stages in order; refuses a file the pages could not work with."""
    with path.open("rb") as file:
        rows = tomllib.load(file).get("stage", [])
    stages = tuple(
        Stage(key=row["key"], label=row["label"], closed=bool(row.get("closed", False)))
        for row in rows
    )
    keys = [stage.key for stage in stages]
    if not stages or len(set(keys)) != len(keys) or not all(KEY.match(k) for k in keys):
        raise ValueError(f"{path}: stages need unique keys of [a-z0-9_], at most 30 characters")
    return stages


@cache
def stages() -> tuple[Stage, ...]:
    return load()


def initial() -> str:
    return stages()[0].key


def labels() -> dict[str, str]:
    return {stage.key: stage.label for stage in stages()}


def is_stage(key: str) -> bool:
    return key in labels()
