"""The framework's floor for benchmarks/load_bench.py: a bare FastAPI app answering the recommendations route's path with
a fixed list of the same shape, through the same response model, with no authentication, store or model behind it.

    .venv/bin/python -m uvicorn bare_app:create_app --factory --app-dir benchmarks --workers 2
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from museion.api.routes_recommend import RecommendationsOut


def fixed_list(member: str, k: int) -> dict[str, Any]:
    """A personalised-looking list of ``k`` items, each citing three history works, like the real route's answer."""
    because = [{"work_id": 100 + j, "title": f"Earlier film {j} (1995)", "weight": 0.25 - j / 100} for j in range(3)]
    items = [{"work_id": i, "key": f"movielens:{i}", "title": f"Recommended film {i} (1999)", "kind": "film",
              "score": 1.0 - i / 100, "model": "ease", "rule": None,
              "reason": "Because you rated Earlier film 0 (1995), Earlier film 1 (1995) and Earlier film 2 (1995)",
              "because": because} for i in range(k)]
    return {"member": member, "personalised": True, "rule": None, "model_version": 1, "not_personalised_because": None,
            "items": items, "disclosure_url": "/api/disclosure"}


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/api/members/{member}/recommendations", response_model=RecommendationsOut)
    def recommendations(member: str, k: int = 10) -> dict[str, Any]:
        return fixed_list(member, k)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
