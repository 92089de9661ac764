"""`museion serve`: the web app and the API, in one process or several workers."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors


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
    if workers == 1:
        uvicorn.run(create_app(), host=host, port=port, log_level="warning")
    else:  # each worker process builds its own app from the same settings
        uvicorn.run("museion.server:create_app", factory=True, workers=workers, host=host, port=port, log_level="warning")
