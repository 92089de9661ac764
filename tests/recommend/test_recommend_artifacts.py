"""Saved models load back identical, and anything tampered with or from another format is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from museion.errors import MuseionError
from museion.recommend.artifacts import (
    ARRAYS,
    ERASED,
    FORMAT_VERSION,
    ArtifactError,
    erase_from_index,
    load_artifact,
    load_index,
    load_model,
    save_artifact,
    save_index,
    save_model,
)
from museion.recommend.models import MODELS, ItemKNN
from museion.registry.artifact_files import MANIFEST

SMALL = {"als": {"factors": 8, "iterations": 3}, "bpr": {"factors": 8, "iterations": 5}, "itemknn": {"neighbours": 10}}


def fit(name: str, synthetic):
    data = synthetic.interactions
    model = MODELS[name](**SMALL.get(name, {}))
    return model.fit(data.matrix, item_features=synthetic.features, timestamps=data.last_timestamp)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_round_trip_gives_identical_recommendations_and_explanations(name: str, synthetic, tmp_path: Path) -> None:
    model = fit(name, synthetic)
    matrix = synthetic.interactions.matrix
    fingerprint = synthetic.interactions.fingerprint()
    manifest = save_model(model, tmp_path / "m", data_fingerprint=fingerprint, evaluation={"ndcg@10": np.float64(0.25)})
    loaded, read = load_model(tmp_path / "m")
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    assert read == manifest and read.format_version == FORMAT_VERSION and read.data_fingerprint == fingerprint
    assert read.evaluation == {"ndcg@10": 0.25}
    rows = np.arange(matrix.shape[0])
    for a, b in zip(model.recommend(rows, matrix, 5), loaded.recommend(rows, matrix, 5), strict=True):
        np.testing.assert_array_equal(a, b)
    item = int(model.recommend(rows[:1], matrix[:1], 1)[0][0, 0])
    assert loaded.explain(0, matrix[0], item) == model.explain(0, matrix[0], item)
    with np.load(tmp_path / "m" / ARRAYS, allow_pickle=False) as arrays:  # readable without pickle
        assert arrays.files


def test_manifest_describes_the_model(synthetic, tmp_path: Path) -> None:
    model = fit("itemknn", synthetic)
    params = {"neighbours": 10, "shrinkage": 0.0, "weighting": "cosine", "bm25_k1": 1.2, "bm25_b": 0.75}
    save_model(model, tmp_path / "m", params=params, data_fingerprint="abc")
    manifest = json.loads((tmp_path / "m" / MANIFEST).read_text())
    assert manifest["model"] == "itemknn" and manifest["params"] == params
    assert set(manifest["files"]) == {ARRAYS} and len(manifest["files"][ARRAYS]) == 64
    assert sorted(p.name for p in (tmp_path).iterdir()) == ["m"]  # no staging folder left behind


def test_tampered_arrays_are_refused(synthetic, tmp_path: Path) -> None:
    save_model(fit("ease", synthetic), tmp_path / "m", data_fingerprint="abc")
    path = tmp_path / "m" / ARRAYS
    payload = bytearray(path.read_bytes())
    payload[-100] ^= 0xFF
    path.write_bytes(bytes(payload))
    with pytest.raises(ArtifactError, match="sha256"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m | {"format_version": FORMAT_VERSION + 1}, "format version"),
        (lambda m: m | {"model": "deep-magic"}, "unknown model"),
        (lambda m: {k: v for k, v in m.items() if k != "params"}, "fields"),
        (lambda m: m | {"files": {}}, "expected"),
    ],
)
def test_bad_manifests_are_refused(change, message: str, synthetic, tmp_path: Path) -> None:
    save_model(fit("pop", synthetic), tmp_path / "m", data_fingerprint="abc")
    manifest_path = tmp_path / "m" / MANIFEST
    manifest_path.write_text(json.dumps(change(json.loads(manifest_path.read_text()))))
    with pytest.raises(ArtifactError, match=message) as error:
        load_model(tmp_path / "m")
    assert isinstance(error.value, MuseionError)


def test_saving_refuses_overwrites_wrong_params_and_unfitted_models(synthetic, tmp_path: Path) -> None:
    model = fit("pop", synthetic)
    save_model(model, tmp_path / "m", data_fingerprint="abc")
    with pytest.raises(ArtifactError, match="already exists"):
        save_model(model, tmp_path / "m", data_fingerprint="abc")
    with pytest.raises(ArtifactError, match="differ"):
        save_model(fit("itemknn", synthetic), tmp_path / "k", params={"neighbours": 99}, data_fingerprint="abc")
    with pytest.raises(MuseionError, match="not been trained"):
        save_model(ItemKNN(), tmp_path / "u", data_fingerprint="abc")
    with pytest.raises(ArtifactError, match="not a Museion model folder"):
        load_model(tmp_path / "missing")


def test_a_version_folder_holds_the_model_and_the_index_it_serves_from(synthetic, tmp_path: Path) -> None:
    data = synthetic.interactions
    model = fit("ease", synthetic)
    save_artifact(tmp_path, "models/000001-ease", model, data, data_fingerprint=data.fingerprint())
    loaded, manifest, index = load_artifact(tmp_path, "models/000001-ease")
    assert manifest.data_fingerprint == data.fingerprint() == index.fingerprint()
    np.testing.assert_array_equal(index.member_ids, data.member_ids)
    np.testing.assert_array_equal(index.work_ids, data.work_ids)
    assert index.last_timestamp is None  # serving needs no event times
    np.testing.assert_array_equal(loaded.recommend(np.arange(3), index.matrix[:3], 5)[0], model.recommend(np.arange(3), data.matrix[:3], 5)[0])
    blocked = tmp_path / "models" / "000002-ease"
    (blocked / "interactions.npz").mkdir(parents=True)  # the index cannot be written after the model folder was
    with pytest.raises(OSError):
        save_artifact(tmp_path, "models/000002-ease", model, data, data_fingerprint=data.fingerprint())
    assert not blocked.exists()  # a failed save leaves no half-written folder


def test_erasing_a_member_empties_and_unnames_their_row_only(synthetic, tmp_path: Path) -> None:
    data = synthetic.interactions
    save_index(tmp_path / "index.npz", data)
    member = int(data.member_ids[5])
    assert erase_from_index(tmp_path / "index.npz", member)
    erased = load_index(tmp_path / "index.npz")
    assert erased.member_ids[5] == ERASED and erased.history(5).nnz == 0 and erased.matrix.shape == data.matrix.shape
    others = np.arange(data.n_members) != 5
    assert (erased.matrix[others] != data.matrix[others]).nnz == 0
    np.testing.assert_array_equal(erased.member_ids[others], data.member_ids[others])
    assert not erase_from_index(tmp_path / "index.npz", member)  # nobody left to erase
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.npz"]
