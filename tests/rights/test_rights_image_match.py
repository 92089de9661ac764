"""Near-copies of pictures: hashes that vote, windows for crops, the single-pHash peer, and unreadable files."""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from museion.rights.evalsets import IMAGE_TRANSFORMS, generated_picture, skimage_pictures, transform_image
from museion.rights.image_match import Fingerprint, ImageIndex, PictureError, fingerprint, open_picture


@pytest.fixture(scope="module")
def indexed() -> tuple[ImageIndex, list[tuple[str, Image.Image]]]:
    pictures = skimage_pictures()[:8] + [(f"generated:{n}", generated_picture(n)) for n in range(6)]
    index = ImageIndex()
    for key, picture in pictures:
        index.add(key, Fingerprint.from_json(fingerprint(picture).as_json()))  # through JSON, as the store keeps it
    return index, pictures


def test_mild_transforms_find_the_original(indexed: tuple[ImageIndex, list]) -> None:
    index, pictures = indexed
    rng = random.Random(4)
    for transform in IMAGE_TRANSFORMS:
        key, picture = pictures[1]  # the camera man
        found = index.query(transform_image(picture, transform, 0.1, rng))
        assert found and found[0].key == key, transform


def test_a_crop_is_found_by_a_window_and_a_mirror_by_the_flipped_query(indexed: tuple[ImageIndex, list]) -> None:
    index, pictures = indexed
    key, picture = pictures[0]
    crop = transform_image(picture, "crop", 0.3, random.Random(2))
    found = index.query(crop)
    assert found and found[0].key == key and found[0].how == "tile" and found[0].box is not None
    assert not [m for m in index.query(crop, peer=True) if m.key == key]  # single pHash misses it
    mirrored = transform_image(picture, "flip", 1, random.Random(1))
    assert index.query(mirrored)[0].key == key and not index.query(mirrored, peer=True)


def test_distinct_pictures_do_not_match(indexed: tuple[ImageIndex, list]) -> None:
    index, _ = indexed
    assert [m for n in range(100, 106) for m in index.query(generated_picture(n))] == []


def test_unreadable_files_raise_a_reason() -> None:
    with pytest.raises(PictureError, match="empty"):
        open_picture(b"")
    with pytest.raises(PictureError, match="not a readable picture"):
        open_picture(b"\x89PNG\r\n\x1a\nbroken")
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30)).save(buffer, "PNG")
    assert open_picture(buffer.getvalue()).size == (40, 30)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(IMAGE_TRANSFORMS), st.floats(0.05, 0.6))
def test_every_transform_yields_a_picture_and_matches_carry_evidence(seed: int, transform: str, strength: float) -> None:
    picture = generated_picture(seed, (96, 72))
    out = transform_image(picture, transform, strength, random.Random(seed))
    assert out.width >= 8 and out.height >= 8
    index = ImageIndex()
    index.add("p", fingerprint(picture))
    for match in index.query(out):
        assert 0 <= match.similarity <= 1 and match.how in ("whole", "tile") and match.distances
