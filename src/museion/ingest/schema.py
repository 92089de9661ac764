"""What each importable entity may contain: field types, requirements, ranges and vocabularies.

Pure data: the validator reads these specs; the CLI prints them in `--help`; the docs list them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

FieldType = Literal["str", "int", "float", "timestamp", "list", "credits"]

WORK_KINDS = frozenset(
    {
        "film", "series", "episode", "book", "article", "music", "album", "podcast", "artwork",
        "photograph", "object", "exhibition", "performance", "event", "game", "other",
    }
)
EVENT_KINDS = frozenset(
    {
        "view", "play", "purchase", "rating", "like", "dislike", "tag", "bookmark", "share",
        "visit", "review", "click", "download", "borrow", "skip",
    }
)
CAREER_STAGES = frozenset({"emerging", "mid-career", "established", "historical"})

_THIS_YEAR = date.today().year


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One importable field: its type, whether it must be present, and its allowed range or values."""

    name: str
    type: FieldType = "str"
    required: bool = False
    low: float | None = None
    high: float | None = None
    choices: frozenset[str] | None = None
    max_length: int | None = None
    help: str = ""
    step: float | None = None  # values lie on low, low + step, low + 2·step…


@dataclass(frozen=True, slots=True)
class EntitySpec:
    name: str
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def with_domains(self, domains: dict[str, Domain]) -> EntitySpec:
        """This entity with some fields narrowed to a file's domains (see ``Domain.narrow``)."""
        return EntitySpec(self.name, tuple(domains[f.name].narrow(f) if f.name in domains else f for f in self.fields))


@dataclass(frozen=True, slots=True)
class Domain:
    """The values one field may take in one file, narrower than the field's own range: a numeric scale
    (``0.5..5/0.5``: 0.5 to 5 in steps of 0.5; either end may be left open) or a set of text values (``web|app``)."""

    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: frozenset[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Domain:
        """``LOW..HIGH``, ``LOW..HIGH/STEP`` or ``A|B|C``; ValueError says what is wrong."""
        if ".." not in text:
            choices = frozenset(c.strip() for c in text.split("|") if c.strip())
            if not choices:
                raise ValueError(f"expected LOW..HIGH, LOW..HIGH/STEP or A|B|C, found {text!r}")
            return cls(choices=choices)
        bounds, _, step = text.partition("/")
        low, _, high = bounds.partition("..")
        try:
            domain = cls(*(float(part) if part.strip() else None for part in (low, high, step)))
        except ValueError:
            raise ValueError(f"expected numbers in LOW..HIGH/STEP, found {text!r}") from None
        if domain.low is not None and domain.high is not None and domain.low > domain.high:
            raise ValueError(f"the low end {domain.low:g} is above the high end {domain.high:g}")
        if domain.step is not None and (domain.step <= 0 or domain.low is None):
            raise ValueError(f"a step must be positive and start from a low end (LOW..HIGH/STEP), found {text!r}")
        return domain

    def narrow(self, spec: FieldSpec) -> FieldSpec:
        """``spec`` limited to this domain; ValueError when it does not fit the field (text on a number, a wider set)."""
        if self.choices is not None:
            if spec.type != "str":
                raise ValueError(f"{spec.name} is a {spec.type} field: give a range LOW..HIGH, not a list of values")
            outside = sorted(self.choices - spec.choices) if spec.choices is not None else []
            if outside:
                raise ValueError(f"{outside[0]!r} is not one of the {spec.name} values: {', '.join(sorted(spec.choices or ()))}")
            return replace(spec, choices=self.choices)
        if spec.type not in ("int", "float"):
            raise ValueError(f"{spec.name} is a {spec.type} field: a range LOW..HIGH fits only numbers")
        low = self.low if spec.low is None or (self.low is not None and self.low > spec.low) else spec.low
        if self.step is not None and self.low is not None and low != self.low:  # keep the scale's own grid
            low = self.low + math.ceil((low - self.low) / self.step) * self.step
        high = self.high if spec.high is None or (self.high is not None and self.high < spec.high) else spec.high
        return replace(spec, low=low, high=high, step=self.step)


YEAR_RANGE = {"low": -5000, "high": _THIS_YEAR + 5}

WORKS = EntitySpec(
    "works",
    (
        FieldSpec("key", required=True, max_length=200, help="your identifier for the work"),
        FieldSpec("kind", required=True, choices=WORK_KINDS, help="film, book, music, artwork…"),
        FieldSpec("title", required=True),
        FieldSpec("year", "int", **YEAR_RANGE),
        FieldSpec("date_text", max_length=255, help="date as published, e.g. 'c.1730–96'"),
        FieldSpec("language", max_length=35, help="BCP 47 tag, e.g. en, zh-Hans"),
        FieldSpec("region", max_length=255),
        FieldSpec("description"),
        FieldSpec("medium"),
        FieldSpec("acquisition_year", "int", low=1000, high=_THIS_YEAR + 1),
        FieldSpec("image_url"),
        FieldSpec("rights", help="rights statement or licence"),
        FieldSpec("genres", "list"),
        FieldSpec("subjects", "list"),
        FieldSpec("movements", "list"),
        FieldSpec("creators", "credits", help="creator keys separated like lists (or JSON objects with key and role)"),
    ),
)

CREATORS = EntitySpec(
    "creators",
    (
        FieldSpec("key", required=True, max_length=200),
        FieldSpec("name", required=True),
        FieldSpec("roles", "list"),
        FieldSpec("gender", max_length=64, help="self-declared or as published"),
        FieldSpec("nationality", max_length=128),
        FieldSpec("region", max_length=255),
        FieldSpec("birth_place"),
        FieldSpec("birth_year", "int", low=-5000, high=_THIS_YEAR),
        FieldSpec("death_year", "int", low=-5000, high=_THIS_YEAR),
        FieldSpec("career_stage", choices=CAREER_STAGES),
    ),
)

MEMBERS = EntitySpec(
    "members",
    (
        FieldSpec("key", required=True, max_length=200, help="pseudonymous member key"),
        FieldSpec("age", "int", low=0, high=120),
        FieldSpec("gender", max_length=64),
        FieldSpec("occupation", max_length=128),
    ),
)

EVENTS = EntitySpec(
    "events",
    (
        FieldSpec("member", required=True, max_length=200, help="member key"),
        FieldSpec("work", required=True, max_length=200, help="work key (must be in the catalogue)"),
        FieldSpec("kind", required=True, choices=EVENT_KINDS),
        FieldSpec("value", "float", low=-1e9, high=1e9, help="rating, play count, price…"),
        FieldSpec("timestamp", "timestamp", help="epoch seconds or ISO 8601; optional"),
        FieldSpec("channel", max_length=64),
        FieldSpec("label", help="free text such as a tag"),
    ),
)

ENTITIES: dict[str, EntitySpec] = {s.name: s for s in (WORKS, CREATORS, MEMBERS, EVENTS)}
