"""The `team:` section of `ledgerloop.yaml`: collectors and managers, by name and email.

Its own module (pydantic and YAML only) so that `ledgerloop link` can read the roster without
loading the whole policy model.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field, ValidationError, field_validator

from orchestration.policy._base import PolicyModel

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: 10x faster



class TeamMember(PolicyModel):
    """A collector or manager: `name` as the sources write it (Salesforce's Collector column)."""

    name: str = Field(min_length=1, max_length=120)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    office: str | None = None
    """Office code; a manager without one oversees every office."""


class Team(PolicyModel):
    """Who works the ledger: collectors own worklists and alerts, managers get escalations and
    the team view. A collector named in the data but not here still gets a worklist; only the
    workbench link and alert emails need the email."""

    collectors: list[TeamMember] = []
    managers: list[TeamMember] = []

    @field_validator("collectors", "managers")
    @classmethod
    def _unique(cls, members: list[TeamMember]) -> list[TeamMember]:
        for attribute in ("name", "email"):
            values = [getattr(m, attribute).casefold() for m in members]
            duplicated = sorted({v for v in values if values.count(v) > 1})
            if duplicated:
                raise ValueError(f"{attribute} listed more than once: {duplicated}")
        return members

    def collector_email(self, name: str) -> str | None:
        """The email of the collector the sources call `name`, if they are on the roster."""
        wanted = name.casefold().strip()
        return next((m.email for m in self.collectors if m.name.casefold() == wanted), None)

    def managers_of(self, office: str | None) -> list[TeamMember]:
        """Managers overseeing `office`: its own, and those of every office."""
        return [m for m in self.managers if m.office in (None, office)]


def read_team(path: Path) -> Team:
    """Only the `team:` section of the policy file at `path`, validated; ValueError names the key."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    except FileNotFoundError:
        raise ValueError(f"{path}: policy file not found") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    section = data.get("team", {}) if isinstance(data, dict) else {}
    try:
        return Team.model_validate(section or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"team.{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ValueError(f"{path}: invalid policy: {problems}") from None
