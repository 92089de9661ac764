"""Trained models on disk: a folder with a JSON manifest and one ``.npz`` of arrays, never pickle.

The manifest records the model, its parameters, the format version, a fingerprint of the training
matrix, the evaluation that justified it, and the sha256 of every file, so that loading refuses
anything it cannot vouch for.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from museion import __version__
from museion.errors import MuseionError
from museion.recommend.interactions import matrix_fingerprint
from museion.recommend.models import MODELS, Recommender

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARRAYS = "arrays.npz"
_SPARSE_PARTS = ("data", "indices", "indptr", "shape")

__all__ = ["FORMAT_VERSION", "ArtifactError", "Manifest", "load_model", "matrix_fingerprint", "save_model"]


class ArtifactError(MuseionError):
    """A model folder cannot be written or trusted (missing, wrong version, modified files…)."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What ``manifest.json`` holds."""

    format_version: int
    model: str
    params: dict[str, Any]
    data_fingerprint: str
    evaluation: dict[str, Any]
    files: dict[str, str]
    """File name → sha256 hex digest."""
    museion_version: str


def save_model(
    model: Recommender,
    path: str | Path,
    *,
    params: Mapping[str, Any] | None = None,
    data_fingerprint: str,
    evaluation: Mapping[str, Any] | None = None,
) -> Manifest:
    """Write a fitted model to a new folder ``path`` (atomically: it appears complete or not at all).

    ``params`` defaults to ``model.get_params()``; when given it must equal them, so the manifest can
    never describe a different model than the arrays hold.
    """
    target = Path(path)
    if target.exists():
        raise ArtifactError(f"{target}: already exists; model folders are never overwritten")
    own_params = _json_ready(model.get_params())
    if params is not None and _json_ready(dict(params)) != own_params:
        raise ArtifactError(f"{target}: params {dict(params)} differ from the model's own {own_params}")
    arrays = _flatten(model.learned_state())
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    payload = buffer.getvalue()
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model=model.name,
        params=own_params,
        data_fingerprint=data_fingerprint,
        evaluation=_json_ready(dict(evaluation or {})),
        files={ARRAYS: hashlib.sha256(payload).hexdigest()},
        museion_version=__version__,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (staging / ARRAYS).write_bytes(payload)
        (staging / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n")
        os.replace(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ArtifactError(f"{target}: could not write the model folder ({error})") from error
    return manifest


def load_model(path: str | Path) -> tuple[Recommender, Manifest]:
    """Read a folder written by :func:`save_model`, checking version and file hashes before use."""
    folder = Path(path)
    manifest = _read_manifest(folder)
    if manifest.model not in MODELS:
        raise ArtifactError(f"{folder}: unknown model {manifest.model!r}; known: {', '.join(sorted(MODELS))}")
    if set(manifest.files) != {ARRAYS}:
        raise ArtifactError(f"{folder}: manifest lists files {sorted(manifest.files)}, expected [{ARRAYS!r}]")
    payload = _verified_bytes(folder, ARRAYS, manifest.files[ARRAYS])
    cls = MODELS[manifest.model]
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as stored:
            state = _unflatten({name: stored[name] for name in stored.files}, cls.learned)
        return cls.restore(manifest.params, state), manifest
    except (KeyError, ValueError, TypeError) as error:
        raise ArtifactError(f"{folder}: {ARRAYS} does not hold a valid {manifest.model} model ({error})") from error


def _read_manifest(folder: Path) -> Manifest:
    try:
        raw = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise ArtifactError(f"{folder}: no {MANIFEST}; this is not a Museion model folder") from error
    except (OSError, json.JSONDecodeError) as error:
        raise ArtifactError(f"{folder / MANIFEST}: unreadable ({error})") from error
    if not isinstance(raw, dict):
        raise ArtifactError(f"{folder / MANIFEST}: expected a JSON object")
    version = raw.get("format_version")
    if version != FORMAT_VERSION:
        raise ArtifactError(
            f"{folder}: artifact format version {version!r}, this Museion reads version {FORMAT_VERSION}; "
            "retrain the model"
        )
    try:
        return Manifest(**raw)
    except TypeError as error:
        raise ArtifactError(f"{folder / MANIFEST}: fields do not match format version {FORMAT_VERSION}") from error


def _verified_bytes(folder: Path, name: str, expected_sha256: str) -> bytes:
    """Read a file once and check it against the manifest, so what is hashed is what is loaded."""
    try:
        payload = (folder / name).read_bytes()
    except OSError as error:
        raise ArtifactError(f"{folder / name}: cannot be read ({error})") from error
    if hashlib.sha256(payload).hexdigest() != expected_sha256:
        raise ArtifactError(f"{folder / name}: sha256 differs from the manifest; the file was modified")
    return payload


def _flatten(state: Mapping[str, np.ndarray | csr_matrix]) -> dict[str, np.ndarray]:
    """CSR matrices become ``name.data``, ``name.indices``, ``name.indptr``, ``name.shape`` arrays."""
    arrays: dict[str, np.ndarray] = {}
    for name, value in state.items():
        if isinstance(value, csr_matrix):
            parts = (value.data, value.indices, value.indptr, np.asarray(value.shape, dtype=np.int64))
            arrays.update({f"{name}.{part}": array for part, array in zip(_SPARSE_PARTS, parts, strict=True)})
        else:
            arrays[name] = np.asarray(value)
    return arrays


def _unflatten(arrays: Mapping[str, np.ndarray], names: tuple[str, ...]) -> dict[str, np.ndarray | csr_matrix]:
    state: dict[str, np.ndarray | csr_matrix] = {}
    for name in names:
        if name in arrays:
            state[name] = arrays[name]
        else:
            data, indices, indptr, shape = (arrays[f"{name}.{part}"] for part in _SPARSE_PARTS)
            state[name] = csr_matrix((data, indices, indptr), shape=tuple(int(s) for s in shape))
    return state


def _json_ready(value: Any) -> Any:
    """numpy scalars and tuples → plain JSON types, so params compare equal after a round trip."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
