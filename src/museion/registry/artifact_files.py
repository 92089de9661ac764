"""The files of a model version's artifact folder (``MUSEION_HOME/<artifact>``), named once for the registry
that seals them, the recommender that writes and serves them and the fairness audits that read them."""

from __future__ import annotations

from pathlib import Path

MANIFEST = "manifest.json"
"""A folder's manifest: what the folder holds and the sha256 of every file (model folders, filing packs)."""
MODEL = "model"
"""Sub-folder with the learned arrays and their manifest: what a card's ``artifact_sha256`` seals."""
INDEX = "interactions.npz"
"""The training interactions a version serves from; left out of the seal so erasure can remove a member's row."""


def model_folder(home: Path, artifact: str) -> Path:
    return home / artifact / MODEL


def index_file(home: Path, artifact: str) -> Path:
    return home / artifact / INDEX
