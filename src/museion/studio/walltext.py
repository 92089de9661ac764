"""A draft wall text for a work (pure core), assembled from its record and related works by templates: no model
writes it, so every clause can be traced to a field (its evidence). English always; Chinese where the record allows
(a subject the curated table names in Chinese). Its confidence is the share of the record's fields the draft could
use — how much of it rests on the record, not how good it reads; a person accepts, edits or rejects it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from museion.studio.zh_subjects import ZH_TO_EN

MODEL = "museion.walltext template 1"  # the model version recorded with every draft
FIELDS = ("title", "creators", "year", "medium", "subjects", "related")
EN_TO_ZH = {en: zh for zh, en in sorted(ZH_TO_EN.items(), key=lambda kv: -len(kv[0])) if " " not in en}


@dataclass(frozen=True)
class Record:
    key: str
    title: str
    creators: tuple[str, ...]
    year: int | None
    medium: str | None
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class Draft:
    en: str
    zh: str | None
    evidence: dict[str, object]
    confidence: float


def _name(creator: str) -> str:
    """"Turner, Joseph Mallord William" → "Joseph Mallord William Turner"."""
    surname, _, given = creator.partition(",")
    return f"{given.strip()} {surname.strip()}".strip() if given.strip() else creator.strip()


def draft(work: Record, related: Sequence[Record] = ()) -> Draft:
    """The wall text of ``work``, naming up to three related works by the same creator or on a shared subject."""
    who = " and ".join(_name(c) for c in work.creators[:2]) or "an unknown artist"
    when = f" in {work.year}" if work.year else ""
    en = [f"{work.title} was made by {who}{when}."]
    if work.medium:
        en.append(f"It is {work.medium[0].lower()}{work.medium[1:]}.")
    subjects = list(work.subjects[:4])
    if subjects:
        en.append(f"Its subjects include {', '.join(subjects)}.")
    same = [r for r in related if set(r.creators) & set(work.creators)][:3]
    alike = [r for r in related if r not in same][:3]
    if same:
        en.append("See also, by the same hand: " + "; ".join(f"{r.title} ({r.year or 'undated'})" for r in same) + ".")
    if alike:
        en.append("Related works in the collection: "
                  + "; ".join(f"{r.title} ({_name(r.creators[0]) if r.creators else 'unknown'})" for r in alike) + ".")
    zh_subjects = [EN_TO_ZH[s.casefold()] for s in subjects if s.casefold() in EN_TO_ZH]
    zh = None
    if zh_subjects:
        who_zh = "、".join(_name(c) for c in work.creators[:2]) or "佚名艺术家"
        made = f"作于{work.year}年" if work.year else "作"
        zh = f"《{work.title}》，{who_zh}{made}。作品主题包括" + "、".join(zh_subjects) + "。"
        if same or alike:
            zh += "相关作品：" + "；".join(f"《{r.title}》" for r in (same + alike)[:3]) + "。"
    present = {"title": bool(work.title), "creators": bool(work.creators), "year": work.year is not None,
               "medium": bool(work.medium), "subjects": bool(subjects), "related": bool(related)}
    evidence: dict[str, object] = {"fields": [f for f in FIELDS if present[f]], "related": [r.key for r in (same + alike)],
                                   "model": MODEL}
    return Draft(" ".join(en), zh, evidence, round(sum(present.values()) / len(FIELDS), 3))
