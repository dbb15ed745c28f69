"""The Dockerfile read as instructions, for the tests that hold the deploy files to it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from tests.scoring_support import ROOT

DOCKERFILE = ROOT / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword (upper case) and its arguments, joined."""

    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form ENTRYPOINT / CMD / VOLUME; ValueError otherwise."""
        value = json.loads(self.arguments)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"{self.keyword} is not in exec form: {self.arguments}")
        return value


def instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    """Every instruction in order, continuation lines joined and comments dropped."""
    found: list[Instruction] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        found.append(Instruction(keyword.upper(), re.sub(r"\s+", " ", arguments).strip()))
        pending = ""
    return found


def final_stage(path: Path = DOCKERFILE) -> list[Instruction]:
    """The instructions of the last stage: what the image that runs is made of."""
    all_instructions = instructions(path)
    starts = [index for index, item in enumerate(all_instructions) if item.keyword == "FROM"]
    return all_instructions[starts[-1] :]


def only(stage: list[Instruction], keyword: str) -> Instruction:
    """The stage's last `keyword` instruction (the one that takes effect)."""
    matching = [item for item in stage if item.keyword == keyword]
    assert matching, f"the Dockerfile's final stage has no {keyword}"
    return matching[-1]


def user_id() -> int:
    """The numeric uid the image runs as."""
    user = only(final_stage(), "USER").arguments.split(":")[0]
    return int(user)


def exposed_port() -> int:
    """The one port the image exposes."""
    return int(only(final_stage(), "EXPOSE").arguments.split("/")[0])


def state_volume() -> str:
    """The volume the state lives on."""
    (volume,) = only(final_stage(), "VOLUME").exec_form()
    return volume
