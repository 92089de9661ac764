"""Interaction-policy settings from command-line options and TOML policy files, checked with errors naming the setting.

A policy file holds the settings the options of `museion train` and `museion evaluate` set (options given too win):

    rating_threshold = 3.0      # ratings at or above count
    half_life_days = 180        # optional: an event loses half its weight every 180 days
    min_interactions = "auto"   # k-core: a whole number, or "auto"
    [kinds]                     # the event kinds that count, and the weight of one event of each
    borrow = 1
    visit = 0.3
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from museion.errors import MuseionError
from museion.ingest.schema import EVENT_KINDS
from museion.recommend.interactions import InteractionPolicy

SETTINGS = ("kinds", "rating_threshold", "half_life_days", "min_interactions")
DEFAULT_CORE = 5
"""Today's k-core for members and works alike: the figures published so far were made with it."""

Where = Callable[[str], str]
"""Names a setting in an error: ``where("kinds.visit")`` → ``policy.toml: kinds.visit`` or ``--kinds visit``."""


def option_name(key: str) -> str:
    """How an error names a command-line option (``kinds.visit`` → ``--kinds visit``)."""
    setting, _, part = key.partition(".")
    return f"--{setting.replace('_', '-')}" + (f" {part}" if part else "")


def parse_kinds(text: str) -> dict[str, str]:
    """``borrow=1,visit=0.3`` → {kind: weight text}; a kind without ``=WEIGHT`` weighs 1."""
    kinds: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if item:
            kind, sep, weight = item.partition("=")
            kinds[kind.strip()] = weight.strip() if sep else "1"
    return kinds


def _number(value: Any, what: str) -> float:
    """A finite number from a TOML value or an option's text, else a clear error naming ``what``."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MuseionError(f"{what}: expected a number, got {value!r}")
    return float(value)


def _kinds(value: Any, where: Where) -> dict[str, float]:
    if isinstance(value, str):
        value = parse_kinds(value)
    if not isinstance(value, Mapping) or not value:
        raise MuseionError(f"{where('kinds')}: expected KIND = WEIGHT pairs (e.g. borrow = 1, visit = 0.3), got {value!r}")
    kinds: dict[str, float] = {}
    for kind, raw in value.items():
        if kind not in EVENT_KINDS:
            raise MuseionError(f"{where(f'kinds.{kind}')}: unknown event kind {kind!r}; event kinds are {', '.join(sorted(EVENT_KINDS))}")
        weight = _number(raw, where(f"kinds.{kind}"))
        if weight <= 0:
            raise MuseionError(f"{where(f'kinds.{kind}')}: the weight must be above 0 (leave the kind out not to count it), got {raw!r}")
        kinds[kind] = weight
    return kinds


def _core(value: Any, where: Where) -> int | str:
    if value == "auto":
        return "auto"
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MuseionError(f"{where('min_interactions')}: expected a whole number of at least 1, or \"auto\", got {value!r}")
    return value


def check_settings(raw: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """Checked settings from ``raw`` (option or file values); unknown names and bad values are refused by name."""
    unknown = sorted(set(raw) - set(SETTINGS))
    if unknown:
        raise MuseionError(f"{where(unknown[0])}: unknown setting; the interaction policy has {', '.join(SETTINGS)}")
    checked: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "kinds":
            checked[key] = _kinds(value, where)
        elif key == "min_interactions":
            checked[key] = _core(value, where)
        else:
            checked[key] = _number(value, where(key))
            if key == "half_life_days" and checked[key] <= 0:
                raise MuseionError(f"{where(key)}: the half-life must be above 0 days, got {value!r}")
    return checked


def read_policy_file(path: Path) -> dict[str, Any]:
    """The checked settings of a TOML policy file; errors name the file and the setting (or line and column)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MuseionError(f"cannot read the policy file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise MuseionError(f"{path}: not UTF-8 text; save the policy file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise MuseionError(f"{path}: not valid TOML: {exc}") from None
    return check_settings(raw, lambda key: f"{path}: {key}")


def make_policy(*layers: Mapping[str, Any]) -> InteractionPolicy:
    """The policy from checked settings, later layers winning (file, then options); unset ones keep today's defaults."""
    settings: dict[str, Any] = {}
    for layer in layers:
        settings.update(layer)
    core = settings.get("min_interactions", DEFAULT_CORE)
    chosen = {"min_member_interactions": core, "min_work_interactions": core} if core != "auto" else {"auto_core": True}
    optional = {"kinds": settings.get("kinds"), "rating_threshold": settings.get("rating_threshold"),
                "time_decay_half_life_days": settings.get("half_life_days")}
    return InteractionPolicy(**{k: v for k, v in optional.items() if v is not None}, **chosen)


def policy_from(policy_file: Path | None, options: Mapping[str, Any]) -> InteractionPolicy:
    """The policy a command asks for: its policy file (if any), overridden by the options it was given (not None)."""
    from_file = read_policy_file(policy_file) if policy_file is not None else {}
    given = check_settings({k: v for k, v in options.items() if v is not None}, option_name)
    return make_policy(from_file, given)


DEFAULT_POLICY = make_policy()
"""Today's policy for training and evaluation: the default kinds, each weighing 1, ratings from 3.0, the 5-core."""
