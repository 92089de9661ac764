"""A subject-suggester version's artifact folder (``MUSEION_HOME/models/NNNNNN-subjects/model``): arrays in an npz,
names and settings in JSON, and a manifest pinning both files' sha256 (what the registry seals). No pickle: loading
never runs code from the folder, and a changed file is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from museion.collab.calibration import Recalibrator
from museion.errors import Conflict
from museion.registry.artifact_files import MANIFEST, model_folder
from museion.store.files import private_dir, private_file, write_private
from museion.studio.subjects import Params, SubjectModel

ARRAYS, NAMES = "arrays.npz", "model.json"
MATRICES = ("features", "positives", "negatives")
VECTORS = ("idf", "complete", "multiplier")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(home: Path, artifact: str, model: SubjectModel, *, data_fingerprint: str) -> None:
    """Write the folder; nothing is left behind if a write fails."""
    folder = model_folder(home, artifact)
    try:
        if folder.exists():
            raise FileExistsError(folder)
        private_dir(folder)  # 0700, files 0600: the model is part of the home
        arrays: dict[str, np.ndarray] = {name: getattr(model, name) for name in VECTORS}
        for name in MATRICES:
            m = getattr(model, name).tocsr()
            arrays.update({f"{name}_data": m.data, f"{name}_indices": m.indices, f"{name}_indptr": m.indptr,
                           f"{name}_shape": np.array(m.shape)})
        with private_file(folder / ARRAYS) as handle:
            np.savez_compressed(handle, **arrays)
        names = {"params": model.params.as_dict(), "vocabulary": list(model.vocabulary), "keys": list(model.keys),
                 "subjects": list(model.subjects), "popularity": list(model.popularity),
                 "calibration": model.calibration.as_dict()}
        write_private(folder / NAMES, json.dumps(names, ensure_ascii=False))
        manifest = {"kind": "subject-suggester", "data_fingerprint": data_fingerprint,
                    "files": {name: _sha256(folder / name) for name in (ARRAYS, NAMES)}}
        write_private(folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
    except BaseException:
        shutil.rmtree(home / artifact, ignore_errors=True)
        raise


def load(home: Path, artifact: str) -> SubjectModel:
    """The version's model, checked against its manifest (cached while the manifest is unchanged)."""
    folder = model_folder(home, artifact)
    try:
        manifest = (folder / MANIFEST).read_bytes()
    except OSError:
        raise Conflict("the subject suggester's artifact %(folder)s is missing; train a new version with "
                       "`museion studio train-suggester`", folder=artifact) from None
    return _load(folder, hashlib.sha256(manifest).hexdigest())


@lru_cache(maxsize=4)
def _load(folder: Path, manifest_sha: str) -> SubjectModel:
    manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        if _sha256(folder / name) != digest:
            raise Conflict(f"{folder / name} changed since the version was trained; it will not be used")
    names = json.loads((folder / NAMES).read_text(encoding="utf-8"))
    with np.load(folder / ARRAYS) as npz:
        matrices = {name: sparse.csr_matrix((npz[f"{name}_data"], npz[f"{name}_indices"], npz[f"{name}_indptr"]),
                                            shape=tuple(npz[f"{name}_shape"])) for name in MATRICES}
        vectors = {name: npz[name] for name in VECTORS}
    return SubjectModel(params=Params(**names["params"]), vocabulary=tuple(names["vocabulary"]), keys=tuple(names["keys"]),
                        subjects=tuple(names["subjects"]), popularity=tuple(names["popularity"]),
                        calibration=Recalibrator.from_dict(names["calibration"]), **matrices, **vectors)
