"""Shared by the experiments tests: a deployed version and an approved candidate on a small generated catalogue (films w0…, members m0… who viewed
them; labelled generated in tests/helpers.import_views), for rollouts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from helpers import approve_and_deploy, import_views, inspecting
from museion.privacy.models import Member
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import train

POLICY = InteractionPolicy(rating_threshold=0.0, min_member_interactions=1, min_work_interactions=1)


@dataclass(frozen=True)
class Setup:
    engine: Engine
    home: Path
    control: int
    candidate: int
    keys: list[str]


def make_setup(engine: Engine, tmp_path: Path) -> Setup:
    import_views(engine, tmp_path, genres=("drama", "comedy", "horror"), works=24, members=40, skip_every=3)
    home = tmp_path / "home"
    control = train(engine, home, "ease", source=None, actor="test", params={"l2": 10.0}, policy=POLICY)
    approve_and_deploy(engine, home, control.id)
    candidate = train(engine, home, "pop", source=None, actor="test", policy=POLICY)
    approve_and_deploy(engine, home, candidate.id, deploy=False)
    with engine.connect() as conn, inspecting():
        keys = sorted(conn.scalars(select(Member.key)))
    return Setup(engine, home, control.id, candidate.id, keys)
