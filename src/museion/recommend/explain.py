"""Explanations shown next to each recommendation: structured contributions plus one plain sentence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

RULE_REASONS: dict[str, str] = {
    "popular": "Popular with members",
    "trending": "Popular with members this month",
    "editorial": "Picked by our curators",
}
"""Sentence for each non-personalised rule."""

EVENT_VERBS: dict[str, str] = {
    "rating": "rated",
    "play": "played",
    "purchase": "bought",
    "like": "liked",
    "view": "viewed",
}
"""Past-tense verb per event kind, used when the work kind has no better one."""

WORK_KIND_VERBS: dict[str, str] = {
    "film": "watched",
    "movie": "watched",
    "book": "read",
    "music": "listened to",
    "recording": "listened to",
}
"""Past-tense verb per work kind for consumption events (view, play), e.g. "watched" for films."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why one work was recommended: the model, its rule (if non-personalised), contributions, sentence."""

    model: str
    rule: str | None
    contributions: list[tuple[int, float]]
    """(work index in the member's history, weight), largest first; empty for rule-based lists."""
    reason: str


def event_verb(event_kind: str, work_kind: str | None = None) -> str:
    """"watched" for a viewed film, "read" for a viewed book, otherwise the event's own verb."""
    if event_kind in {"view", "play"} and work_kind in WORK_KIND_VERBS:
        return WORK_KIND_VERBS[work_kind]
    return EVENT_VERBS.get(event_kind, "enjoyed")


def reason_text(
    contributions: Sequence[tuple[int, float]],
    title: Callable[[int], str],
    *,
    rule: str | None = None,
    verb: str = "enjoyed",
    aspect: str | None = None,
    max_titles: int = 2,
) -> str:
    """One line: the rule's sentence, "Similar in <aspect> to A", "Because you <verb> A and B", or a default.

    ``aspect`` (e.g. "genre") is set for content-based explanations; ``title`` maps a work index to a title.
    """
    if rule is not None:
        return RULE_REASONS.get(rule, f"Recommended by the {rule} rule")
    titles = [title(index) for index, _ in contributions[:max_titles]]
    if not titles:
        return "Recommended for you"
    if aspect is not None:
        return f"Similar in {aspect} to {_join(titles)}"
    return f"Because you {verb} {_join(titles)}"


def explanation(
    model: str,
    rule: str | None,
    contributions: list[tuple[int, float]],
    title: Callable[[int], str],
    *,
    verb: str = "enjoyed",
    aspect: str | None = None,
) -> Explanation:
    """Bundle a model's contributions with their sentence."""
    reason = reason_text(contributions, title, rule=rule, verb=verb, aspect=aspect)
    return Explanation(model=model, rule=rule, contributions=contributions, reason=reason)


def _join(titles: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"
