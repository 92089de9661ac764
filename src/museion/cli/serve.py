"""`museion serve`: the web app and the API, in one process or several workers."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.jobs import worker_beside_server
from museion.cli.output import console, friendly_errors
from museion.config import get_settings


@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes, each with its own copy of the model: "
                                         "about one per core. On SQLite they share one writer (the served-list log).")] = 1,
) -> None:
    """Serve the web app and the API (OpenAPI docs at /docs)."""
    import uvicorn

    from museion.server import create_app

    context.engine()  # fail here, clearly, if the database is not ready
    console.print(f"Museion on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    with worker_beside_server():  # long work (audits, curves, releases, training) runs there, as jobs
        uvicorn.run(create_app() if workers == 1 else "museion.server:create_app",  # each worker builds its own app
                    factory=workers > 1, workers=workers, host=host, port=port, log_level="warning", **proxy_options())


def proxy_options() -> dict[str, object]:
    """Trust X-Forwarded-* only from the proxies in MUSEION_FORWARDED_ALLOW_IPS: by default from nobody, not even
    127.0.0.1 (uvicorn's default), so a client on the same host cannot pick the address its sign-in limit counts."""
    allowed = ",".join(ip.strip() for ip in get_settings().forwarded_allow_ips.split(",") if ip.strip())
    return {"proxy_headers": bool(allowed), "forwarded_allow_ips": allowed or None}
