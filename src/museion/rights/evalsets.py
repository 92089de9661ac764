"""Evaluation sets for near-copy detection, built honestly and reproducibly (pure core, seeded): real texts and images
with realistic edits at graded strengths, beside true negatives of the same genre.

Texts: paragraphs of the Python language reference that CPython ships (``pydoc_data.topics``, PSF licence, read
offline) and the catalogue's own records rendered as text (title, creators, date, medium, credit line, subjects), passed
in by the caller. Edits: insertions, deletions, reordering, truncation and word substitutions. Images: the pictures
scikit-image bundles (``skimage.data``, BSD/public-domain, no download) and generated compositions (seeded, labelled
``generated``); transforms: crop, resize, rotation, flip, recolour, JPEG recompression, text overlay."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

TEXT_EDITS = ("insert", "delete", "reorder", "truncate", "substitute", "mixed")
IMAGE_TRANSFORMS = ("crop", "resize", "rotate", "flip", "recolour", "jpeg", "overlay")
# skimage.data pictures that ship in the wheel (the others need a download and are left out)
SKIMAGE_NAMES = ("astronaut", "camera", "coffee", "chelsea", "coins", "horse", "hubble_deep_field", "immunohistochemistry",
                 "moon", "page", "rocket", "text", "brick", "grass", "gravel", "retina", "colorwheel", "logo", "clock",
                 "cell", "microaneurysms", "shepp_logan_phantom", "checkerboard")


def reference_paragraphs(min_words: int = 30) -> list[tuple[str, str]]:
    """(key, text) of each paragraph of at least ``min_words`` words in CPython's bundled language reference."""
    from pydoc_data.topics import topics

    out: list[tuple[str, str]] = []
    kept: list[set[str]] = []
    for topic in sorted(topics):
        for n, paragraph in enumerate(topics[topic].split("\n\n")):
            if len(paragraph.split()) >= min_words and _distinct(paragraph, kept):
                out.append((f"pydoc:{topic}:{n}", " ".join(paragraph.split())))
    return out


def _distinct(text: str, kept: list[set[str]]) -> bool:
    """True (and ``text`` remembered) unless a tenth of its word 5-grams occur in one paragraph already kept: the
    reference repeats paragraphs across topics, and a repeat would be a duplicate labelled a negative."""
    tokens = text.casefold().split()
    grams = {" ".join(tokens[i:i + 5]) for i in range(max(1, len(tokens) - 4))}
    if any(len(grams & other) >= len(grams) / 10 for other in kept):
        return False
    kept.append(grams)
    return True


def _runs(words: list[str], size: int) -> list[list[str]]:
    return [words[i:i + size] for i in range(0, len(words), size)]


def edit_text(text: str, edit: str, strength: float, rng: random.Random, vocabulary: list[str]) -> str:
    """``text`` with one kind of edit touching ``strength`` (0–1) of its words; ``mixed`` applies three kinds at a third
    of the strength each. Insertions and substitutions draw words from ``vocabulary`` (the same corpus)."""
    words = text.split()
    touched = max(1, round(strength * len(words)))
    if edit == "mixed":
        for kind in rng.sample(("insert", "delete", "reorder", "substitute"), 3):
            words = edit_text(" ".join(words), kind, strength / 3, rng, vocabulary).split()
        return " ".join(words)
    if edit == "insert":
        for _ in range(touched):
            words.insert(rng.randrange(len(words) + 1), rng.choice(vocabulary))
    elif edit == "delete":
        for _ in range(min(touched, len(words) - 1)):
            del words[rng.randrange(len(words))]
    elif edit == "substitute":
        for n in rng.sample(range(len(words)), min(touched, len(words))):
            words[n] = rng.choice(vocabulary)
    elif edit == "reorder":  # clauses of ~8 words moved: a paraphrase that rearranges, not rewrites
        chunks = _runs(words, 8)
        for _ in range(max(1, round(strength * len(chunks)))):
            a, b = rng.randrange(len(chunks)), rng.randrange(len(chunks))
            chunks[a], chunks[b] = chunks[b], chunks[a]
        words = [w for chunk in chunks for w in chunk]
    elif edit == "truncate":  # a contiguous excerpt: strength is the share cut away
        keep = max(1, round((1 - strength) * len(words)))
        start = rng.randrange(len(words) - keep + 1)
        words = words[start:start + keep]
    else:
        raise ValueError(f"unknown edit {edit!r}")
    return " ".join(words)


@dataclass(frozen=True)
class TextCase:
    text: str
    original: str | None  # the indexed key it copies; None for a true negative
    edit: str
    strength: float


def text_cases(indexed: list[tuple[str, str]], held_out: list[tuple[str, str]], strengths: tuple[float, ...], *,
               seed: int, per_edit: int = 50) -> list[TextCase]:
    """Edited copies of indexed texts (``per_edit`` for each edit kind and strength) and every held-out text of the
    same genre, unedited, as a true negative."""
    rng = random.Random(seed)
    vocabulary = [w for _, text in indexed[:2000] for w in text.split()]
    cases = [TextCase(text, None, "negative", 0.0) for _, text in held_out]
    for strength in strengths:
        for edit in TEXT_EDITS:
            for key, text in rng.sample(indexed, min(per_edit, len(indexed))):
                cases.append(TextCase(edit_text(text, edit, strength, rng, vocabulary), key, edit, strength))
    return cases


def skimage_pictures() -> list[tuple[str, Image.Image]]:
    """(``skimage:name``, picture as RGB) for each picture scikit-image ships."""
    import skimage.data

    out = []
    for name in SKIMAGE_NAMES:
        array = getattr(skimage.data, name)()
        if array.dtype != np.uint8:
            array = (255 * (array.astype(float) / max(1, array.max()))).astype(np.uint8)
        out.append((f"skimage:{name}", Image.fromarray(array).convert("RGB")))
    return out


def generated_picture(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A seeded composition of a gradient, shapes and noise (generated, labelled as such by its callers)."""
    rng = np.random.default_rng(seed)
    width, height = size
    base = np.linspace(rng.integers(0, 255, 3), rng.integers(0, 255, 3), width).astype(np.uint8)
    picture = Image.fromarray(np.repeat(base[None, :, :], height, axis=0))
    draw = ImageDraw.Draw(picture)
    for _ in range(int(rng.integers(4, 12))):
        x0, y0 = int(rng.integers(0, width - 20)), int(rng.integers(0, height - 20))
        box = (x0, y0, x0 + int(rng.integers(15, width // 2)), y0 + int(rng.integers(15, height // 2)))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        (draw.ellipse if rng.random() < .5 else draw.rectangle)(box, fill=colour)
    noise = rng.normal(0, 12, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(picture, dtype=float) + noise, 0, 255).astype(np.uint8))


def transform_image(picture: Image.Image, transform: str, strength: float, rng: random.Random) -> Image.Image:
    """``picture`` after one transform at ``strength`` (0–1): crop keeps (1 − strength) of each side, resize scales by
    1 − strength/1.2, rotate turns by strength × 30 degrees, flip mirrors, recolour shifts hue and saturation, jpeg
    recompresses at quality 95 − 90 × strength, overlay writes text over a band of strength × the height."""
    width, height = picture.size
    if transform == "crop":
        w, h = max(8, round(width * (1 - strength))), max(8, round(height * (1 - strength)))
        x, y = rng.randint(0, width - w), rng.randint(0, height - h)
        return picture.crop((x, y, x + w, y + h))
    if transform == "resize":
        scale = 1 - strength / 1.2
        return picture.resize((max(8, round(width * scale)), max(8, round(height * scale))), Image.Resampling.BILINEAR)
    if transform == "rotate":
        return picture.rotate(rng.choice((-1, 1)) * 30 * strength, resample=Image.Resampling.BILINEAR, expand=False)
    if transform == "flip":
        return ImageOps.mirror(picture)
    if transform == "recolour":
        hsv = np.asarray(picture.convert("HSV")).copy()
        hsv[..., 0] = (hsv[..., 0].astype(int) + round(255 * strength / 2)) % 256
        return ImageEnhance.Color(Image.fromarray(hsv, "HSV").convert("RGB")).enhance(1 + strength)
    if transform == "jpeg":
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=max(5, round(95 - 90 * strength)))
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    if transform == "overlay":
        out = picture.copy()
        draw = ImageDraw.Draw(out)
        band = max(10, round(height * strength))
        top = rng.randint(0, height - band)
        draw.rectangle((0, top, width, top + band), fill=(255, 255, 255))
        draw.text((4, top + 2), "© COPY " * 8, fill=(0, 0, 0), font_size=max(8, band // 2))
        return out
    raise ValueError(f"unknown transform {transform!r}")

