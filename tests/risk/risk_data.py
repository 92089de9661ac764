"""Generated ratings (labelled generated: not real audience data) that a shilling detector can judge: 200 members rate
20–60 of 300 works each, popular works more often, on the MovieLens half-star scale; and generated attack profiles
written into test stores only."""

from __future__ import annotations

import numpy as np

MEMBERS, WORKS = 200, 300


def generated_ratings(seed: int = 4) -> tuple[str, str]:
    """(works CSV, events CSV) of the generated audience."""
    rng = np.random.default_rng(seed)
    works = "key,kind,title\n" + "".join(f"w{n},film,Generated film {n}\n" for n in range(WORKS))
    popularity = 1 / np.arange(1, WORKS + 1) ** 0.8
    popularity /= popularity.sum()
    quality = rng.normal(3.5, 0.5, WORKS)
    lines = ["member,work,kind,value,timestamp"]
    for member in range(MEMBERS):
        chosen = rng.choice(WORKS, int(rng.integers(20, 61)), replace=False, p=popularity)
        for work in chosen:
            value = float(np.clip(np.round((quality[work] + rng.normal(0, 0.8)) * 2) / 2, 0.5, 5.0))
            lines.append(f"m{member},w{work},rating,{value},{1_500_000_000 + int(rng.integers(0, 10**7))}")
    return works, "\n".join(lines) + "\n"




def injected_events(fakes: int = 20, target: int = 250, seed: int = 9) -> str:
    """Events of ``fakes`` generated attack profiles (keys f0…, labelled as injected) that rate work ``target`` 5 and a
    random filler at random: written into a *test* store only, to exercise the quarantine path end to end."""
    rng = np.random.default_rng(seed)
    lines = ["member,work,kind,value,timestamp"]
    for fake in range(fakes):
        lines.append(f"f{fake},w{target},rating,5.0,1510000000")
        for work in rng.choice([w for w in range(WORKS) if w != target], 15, replace=False):
            value = float(np.clip(np.round(rng.normal(3, 1.1) * 2) / 2, 0.5, 5.0))
            lines.append(f"f{fake},w{work},rating,{value},1510000000")
    return "\n".join(lines) + "\n"


def monthly_events(members: int = 30, months: int = 48, spike: int = 30, seed: int = 5) -> str:
    """Events of ``members`` generated members over ``months`` months from 2020-01 (a yearly season), with month
    number ``spike`` holding ten times the usual activity: a KPI anomaly of known place."""
    rng = np.random.default_rng(seed)
    lines = ["member,work,kind,value,timestamp"]
    for month in range(months):
        start = 1_577_836_800 + month * 2_629_746  # 2020-01-01 plus mean months
        per_member = 2 + int(2 * np.sin(2 * np.pi * month / 12) > 1) + (20 if month == spike else 0)
        for member in range(members):
            for k in range(per_member + int(rng.integers(0, 2))):
                lines.append(f"k{member},w{int(rng.integers(0, 50))},view,,{start + 86_400 + k * 3_600 + member}")
    return "\n".join(lines) + "\n"
