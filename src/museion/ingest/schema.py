"""What each importable entity may contain: field types, requirements, ranges and vocabularies.

Pure data: the validator reads these specs; the CLI prints them in `--help`; the docs list them.
"""

from __future__ import annotations

from dataclasses import dataclass
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
