"""The whole policy (`ledgerloop.yaml`) as one validated, typed model, and how to load it.

Staff edit the YAML without code, so every error must name the key and the problem.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError, ValidationInfo, field_validator

from orchestration.policy._base import PolicyError, PolicyModel, check_timezone
from orchestration.policy.customer_portal import CustomerPortal
from orchestration.policy.dunning import Dunning
from orchestration.policy.kpis import Kpis
from orchestration.policy.matching import Matching
from orchestration.policy.offices import Aging, Office
from orchestration.policy.portal import Portal
from orchestration.policy.risk import Risk
from orchestration.policy.schedules import Schedules
from orchestration.policy.sources import Sources
from orchestration.policy.statements import Statements
from orchestration.policy.team import Team
from orchestration.policy.warehouse import Warehouse
from orchestration.policy.worklist import Worklist


class Policy(PolicyModel):
    timezone: str
    offices: list[Office]
    aging: Aging
    sources: Sources
    stages: list[str]
    portal: Portal = Portal()
    matching: Matching = Matching()
    kpis: Kpis = Kpis()
    worklist: Worklist = Worklist()
    team: Team = Team()
    schedules: Schedules = Schedules()
    dunning: Dunning = Dunning()
    risk: Risk = Risk()
    statements: Statements = Statements()
    customer_portal: CustomerPortal = CustomerPortal()
    warehouse: Warehouse = Warehouse()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        return check_timezone(name)

    @field_validator("offices")
    @classmethod
    def _unique_offices(cls, offices: list[Office]) -> list[Office]:
        if not offices:
            raise ValueError("at least one office is needed")
        seen: dict[str, str] = {}
        for office in offices:
            for spelling in (office.code, office.name, *office.aliases):
                key = spelling.casefold().strip()
                if seen.setdefault(key, office.code) != office.code:
                    raise ValueError(f"{spelling!r} names both {seen[key]} and {office.code}")
        return offices

    @field_validator("portal")
    @classmethod
    def _portal_stages_known(cls, portal: Portal, info: ValidationInfo) -> Portal:
        known = info.data.get("stages")
        if known is None:  # `stages` itself is invalid and reported
            return portal
        named = {
            "needs_answer.stages": portal.needs_answer.stages,
            "statuses": [s.stage for s in portal.statuses],
            "questions": list(portal.questions),
        }
        for key, stages in named.items():
            unknown = sorted(set(stages) - set(known))
            if unknown:
                raise ValueError(f"{key}: unknown stage(s) {unknown}; known: {known}")
        return portal

    @field_validator("worklist")
    @classmethod
    def _worklist_buckets_known(cls, worklist: Worklist, info: ValidationInfo) -> Worklist:
        aging = info.data.get("aging")
        if aging is None:  # `aging` itself is invalid and reported
            return worklist
        labels = [b.label for b in aging.buckets]
        unknown = sorted(set(worklist.weights.buckets) - set(labels))
        if unknown:
            raise ValueError(f"weights.buckets: unknown aging bucket(s) {unknown}; known: {labels}")
        return worklist

    @field_validator("team")
    @classmethod
    def _team_offices_known(cls, team: Team, info: ValidationInfo) -> Team:
        offices = info.data.get("offices")
        if offices is None:  # `offices` itself is invalid and reported
            return team
        codes = [o.code for o in offices]
        for role in ("collectors", "managers"):
            unknown = sorted({m.office for m in getattr(team, role) if m.office and m.office not in codes})
            if unknown:
                raise ValueError(f"{role}: unknown office(s) {unknown}; known: {codes}")
        return team

    @field_validator("dunning")
    @classmethod
    def _dunning_offices_known(cls, dunning: Dunning, info: ValidationInfo) -> Dunning:
        offices = info.data.get("offices")
        if offices is not None:  # `offices` itself is invalid and reported
            dunning.check_offices([o.code for o in offices])
        stages = info.data.get("stages")
        if stages is not None:
            unknown = dunning.stage_meanings.unknown(stages)
            if unknown:
                raise ValueError(f"stage_meanings: unknown stage(s) {unknown}; known: {stages}")
        return dunning

    @cached_property
    def office_spellings(self) -> list[tuple[str, str]]:
        """(casefolded spelling, office code) pairs, for resolving what sources write."""
        return sorted(
            {(s.casefold().strip(), o.code) for o in self.offices for s in (o.code, o.name, *o.aliases)}
        )

    def dbt_vars(self) -> dict:
        """The part of the policy that the dbt models read, passed as `--vars`."""
        return {
            "aging_buckets": [b.model_dump() for b in self.aging.buckets],
            "portal_status_stages": [s.model_dump() for s in self.portal.statuses],
            "matching": self.matching.model_dump(mode="json"),
            "kpis": self.kpis.model_dump(mode="json"),
            "worklist": self.worklist.model_dump(mode="json"),
            "risk": self.risk.model_dump(mode="json"),
            "timezone": self.timezone,
            "team": self.team.model_dump(mode="json"),
            "invoice_display": {o.code: o.invoice_display_parts() for o in self.offices},
        }

def _format_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: invalid policy"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)

def load_policy(path: Path) -> Policy:
    """Read and validate `ledgerloop.yaml`; raise PolicyError naming each bad key.

    Parsed again only when the text changed: a run asks for the policy at every step, and parsing
    the YAML and validating every section each time cost seconds per run (the model is frozen)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found") from None
    return _parsed_policy(path, text)


@lru_cache(maxsize=8)
def _parsed_policy(path: Path, text: str) -> Policy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: expected a mapping of settings at the top level")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_format_error(path, exc)) from None
