"""Trained models on disk: a folder with a JSON manifest and one ``.npz`` of arrays, never pickle.

The manifest records the model, its parameters, the format version, a fingerprint of the training
matrix, the evaluation that justified it, and the sha256 of every file, so that loading refuses
anything it cannot vouch for. A model version's artifact folder holds that model folder and, beside it,
the interactions index it serves from (file names: :mod:`museion.registry.artifact_files`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from museion import __version__
from museion.encoding import json_ready
from museion.errors import MuseionError
from museion.recommend.interactions import Interactions, matrix_fingerprint
from museion.recommend.models import MODELS, Recommender
from museion.registry.artifact_files import MANIFEST, index_file, model_folder
from museion.store.files import private_dir, private_file, private_staging, write_private

FORMAT_VERSION = 1
ARRAYS = "arrays.npz"
ERASED = -1
"""Member id left in a serving index where an erased member's row was."""
_SPARSE_PARTS = ("data", "indices", "indptr", "shape")

__all__ = ["ERASED", "FORMAT_VERSION", "ArtifactError", "Manifest", "erase_from_index", "load_artifact", "load_index", "load_model",
           "matrix_fingerprint", "save_artifact", "save_index", "save_model"]


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
    own_params = json_ready(model.get_params())
    if params is not None and json_ready(dict(params)) != own_params:
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
        evaluation=json_ready(dict(evaluation or {})),
        files={ARRAYS: hashlib.sha256(payload).hexdigest()},
        museion_version=__version__,
    )
    staging = private_staging(target.parent, target.name)
    try:
        write_private(staging / ARRAYS, payload)
        write_private(staging / MANIFEST, json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n")
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



def save_index(path: Path, interactions: Interactions) -> None:
    """The interactions a version serves from (matrix and ids, no timestamps), as one ``.npz``."""
    m = interactions.matrix
    _write_arrays(path, data=m.data, indices=m.indices, indptr=m.indptr, shape=np.array(m.shape),
                  member_ids=interactions.member_ids, work_ids=interactions.work_ids)


def _write_arrays(path: Path, **arrays: np.ndarray) -> None:
    """One ``.npz`` of ``arrays``, replacing ``path`` atomically, owner-only (it holds members' interactions)."""
    with private_file(path) as handle:
        np.savez(handle, allow_pickle=False, **arrays)


def load_index(path: Path) -> Interactions:
    with np.load(path, allow_pickle=False) as z:
        matrix = csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        return Interactions(matrix, z["member_ids"], z["work_ids"], None)


def erase_from_index(path: Path, member_id: int) -> bool:
    """Empty and unname a member's row of a serving index, in place; False when the member has no row.

    The row stays (models with per-member factors are indexed by row), its interactions gone and its id ``ERASED``."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    rows = np.flatnonzero(arrays["member_ids"] == member_id)
    if not len(rows):
        return False
    row = int(rows[0])
    start, end = int(arrays["indptr"][row]), int(arrays["indptr"][row + 1])
    arrays["data"] = np.delete(arrays["data"], np.s_[start:end])
    arrays["indices"] = np.delete(arrays["indices"], np.s_[start:end])
    indptr = arrays["indptr"].copy()
    indptr[row + 1 :] -= end - start
    arrays["indptr"] = indptr
    arrays["member_ids"][row] = ERASED
    _write_arrays(path, **arrays)
    return True


def save_artifact(home: Path, artifact: str, model: Recommender, interactions: Interactions, *, data_fingerprint: str,
                  evaluation: Mapping[str, Any] | None = None) -> None:
    """Write a version's artifact folder (model folder and interactions index); nothing is left behind on failure."""
    try:
        private_dir(home / artifact)
        save_model(model, model_folder(home, artifact), data_fingerprint=data_fingerprint, evaluation=evaluation)
        save_index(index_file(home, artifact), interactions)
    except BaseException:
        shutil.rmtree(home / artifact, ignore_errors=True)
        raise


def load_artifact(home: Path, artifact: str) -> tuple[Recommender, Manifest, Interactions]:
    """A version's fitted model (checked against its manifest) and the interactions it serves from."""
    model, manifest = load_model(model_folder(home, artifact))
    return model, manifest, load_index(index_file(home, artifact))
