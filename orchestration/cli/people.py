"""Finding a person by name for `ledgerloop link`: the team roster and the directors the portal
knows, matched regardless of case, accents and spacing; a name that fits several people is
refused with their emails, never guessed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    role: str  # collector, manager or director
    office: str | None = None

    def line(self) -> str:
        where = f", {self.office}" if self.office else ""
        return f"{self.name} <{self.email}> ({self.role}{where})"


class NameNotFound(LookupError):
    """No one of that name."""


class AmbiguousName(LookupError):
    """Several people fit the name; `candidates` lists them."""

    def __init__(self, query: str, candidates: list[Person]) -> None:
        self.candidates = candidates
        super().__init__(f"{query!r} fits {len(candidates)} people; use one of their emails:\n"
                         + "\n".join(f"  {c.line()}" for c in candidates))


def find_person(query: str, people: Iterable[Person]) -> Person:
    """The one person whose full name is `query`, else the one whose name holds every word of it
    (first name or surname alone). Raises NameNotFound or AmbiguousName."""
    wanted = _words(query)
    if not wanted:
        raise NameNotFound(f"{query!r} is neither an email nor a name")
    people = list(people)
    exact = [p for p in people if _words(p.name) == wanted]
    found = _one_per_email(exact or [p for p in people if set(wanted) <= set(_words(p.name))])
    if not found:
        raise NameNotFound(f"no one named {query!r} on the team roster (ledgerloop.yaml team:) "
                           "or among the directors with published jobs")
    if len(found) > 1:
        raise AmbiguousName(query, found)
    return found[0]


def _one_per_email(people: list[Person]) -> list[Person]:
    """A person on the roster who is also a director is one person (their roster entry first)."""
    seen: dict[str, Person] = {}
    for person in people:
        seen.setdefault(person.email.casefold(), person)
    return list(seen.values())


def _words(name: str) -> tuple[str, ...]:
    """`  José  O'Neil ` -> ('jose', 'o', 'neil')."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return tuple(re.findall(r"\w+", plain.casefold()))
