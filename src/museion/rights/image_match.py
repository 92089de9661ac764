"""Near-copies of images (pure core): perceptual hashes (imagehash: pHash, dHash, wHash and a colour hash) of the
whole picture vote — a copy needs ``VOTES`` (3) of the four within their distances, pHash or dHash among them — and tiled hashes (pHash and dHash of
windows at five scales) find crops. A query is also tried mirrored. The peer is single pHash at imagededup's default
distance (10 bits of 64), measured beside it in benchmarks/rights_bench.py.

Distances are Hamming distances over the hashes as integers, compared for the whole index at once with numpy."""

from __future__ import annotations

from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image, ImageOps

# the most bits each hash may differ by for its vote (pHash/dHash/wHash 64 bits, colour hash 42)
LIMITS = {"phash": 10, "dhash": 12, "whash": 10, "colour": 4}
VOTES = 3  # of the four whole hashes: tuned on a separate split (benchmarks/rights_bench.py --part image-tuning): 2 votes
# matched 3 of 21 distinct pictures there, 3 votes 1, at the cost of rotation, recolour and overlay recall
TILE_LIMITS = (10, 12)  # pHash and dHash of a window: both must hold
PEER_LIMIT = 10
WINDOW_SCALES = (0.5, 0.6, 0.7, 0.8, 0.9)
WINDOW_STRIDE = 0.05
MIN_WINDOW_STD = 12.0  # flat windows (sky, blank paper) look alike in every picture: they are not indexed
WORK_SIDE = 512
MAX_PIXELS = 50_000_000  # larger pictures are refused by ``open_picture`` (decompression bombs)


class PictureError(ValueError):
    """A file that is not a picture Museion can read, with the reason."""


def open_picture(data: bytes) -> Image.Image:
    """The picture in ``data`` as RGB; PictureError (with why) for corrupt, empty or oversized files."""
    import io

    if not data:
        raise PictureError("the file is empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise PictureError(f"the picture has {probe.width}×{probe.height} pixels, more than {MAX_PIXELS:,}")
            probe.load()
            return probe.convert("RGB")
    except PictureError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PictureError(f"not a readable picture: {exc}") from exc


def _bits(h: imagehash.ImageHash) -> int:
    return int(str(h), 16)


def whole_hashes(picture: Image.Image) -> tuple[int, int, int, int]:
    """pHash, dHash, wHash and colour hash of the whole picture, as integers."""
    return (_bits(imagehash.phash(picture)), _bits(imagehash.dhash(picture)), _bits(imagehash.whash(picture)),
            _bits(imagehash.colorhash(picture, binbits=3)))


@dataclass(frozen=True)
class Fingerprint:
    """What the index keeps of a picture: its four whole hashes, and its windows' boxes (fractions of the width and
    height: left, top, right, bottom) with their pHash and dHash."""

    whole: tuple[int, int, int, int]
    boxes: tuple[tuple[float, float, float, float], ...]
    tiles: tuple[tuple[int, int], ...]

    def as_json(self) -> dict:
        return {"whole": [str(h) for h in self.whole], "boxes": [list(b) for b in self.boxes],
                "tiles": [[str(p), str(d)] for p, d in self.tiles]}

    @classmethod
    def from_json(cls, data: dict) -> Fingerprint:
        return cls(tuple(int(h) for h in data["whole"]), tuple(tuple(b) for b in data["boxes"]),  # type: ignore[arg-type]
                   tuple((int(p), int(d)) for p, d in data["tiles"]))


def fingerprint(picture: Image.Image) -> Fingerprint:
    """The whole hashes and the tiled window hashes of ``picture`` (scaled to at most ``WORK_SIDE`` pixels first: the
    hashes see 32 pixels a side at most, and the windows' cost grows with the picture)."""
    picture = picture.copy()
    picture.thumbnail((WORK_SIDE, WORK_SIDE))
    grey = np.asarray(picture.convert("L"), dtype=float)
    width, height = picture.size
    boxes, tiles = [], []
    for scale in WINDOW_SCALES:
        steps = int(round((1 - scale) / WINDOW_STRIDE)) + 1
        for top in np.linspace(0, 1 - scale, steps):
            for left in np.linspace(0, 1 - scale, steps):
                box = (round(left, 3), round(top, 3), round(left + scale, 3), round(top + scale, 3))
                pixels = (round(box[0] * width), round(box[1] * height), round(box[2] * width), round(box[3] * height))
                if grey[pixels[1]:pixels[3], pixels[0]:pixels[2]].std() < MIN_WINDOW_STD:
                    continue
                window = picture.crop(pixels)
                boxes.append(box)
                tiles.append((_bits(imagehash.phash(window)), _bits(imagehash.dhash(window))))
    return Fingerprint(whole_hashes(picture), tuple(boxes), tuple(tiles))


def query_hashes(picture: Image.Image) -> list[tuple[int, int, int, int]]:
    """What a query needs of a picture: the whole hashes of it and of its mirror image (so a flipped copy matches)."""
    return [whole_hashes(picture), whole_hashes(ImageOps.mirror(picture))]


def _distance(a: np.ndarray, b: int) -> np.ndarray:
    return np.bitwise_count(a ^ np.uint64(b)).astype(int)


@dataclass(frozen=True)
class ImageMatch:
    key: str
    similarity: float  # 1 − the mean share of bits that differ over the hashes that decided
    how: str  # "whole" (votes of whole-picture hashes), "tile" (a window matched) or "phash" (the single-hash peer)
    distances: dict[str, int]
    box: tuple[float, float, float, float] | None = None  # the window of the indexed picture that matched


class ImageIndex:
    """Fingerprints indexed for near-copy search; ``query`` finds those a picture copies, best first."""

    def __init__(self, *, limits: dict[str, int] | None = None, votes: int = VOTES,
                 tile_limits: tuple[int, int] = TILE_LIMITS) -> None:
        self.limits, self.votes, self.tile_limits = limits or LIMITS, votes, tile_limits
        self.keys: list[str] = []
        self._whole: list[tuple[int, int, int, int]] = []
        self._tiles: list[tuple[int, int]] = []
        self._owners: list[int] = []
        self._boxes: list[tuple[float, float, float, float]] = []
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: str, print_: Fingerprint) -> None:
        self._whole.append(print_.whole)
        self._tiles.extend(print_.tiles)
        self._boxes.extend(print_.boxes)
        self._owners.extend([len(self.keys)] * len(print_.tiles))
        self.keys.append(key)
        self._arrays = None

    def _numpy(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._arrays is None:
            self._arrays = (np.array(self._whole, dtype=np.uint64).reshape(-1, 4),
                            np.array(self._tiles, dtype=np.uint64).reshape(-1, 2), np.array(self._owners, dtype=int))
        return self._arrays

    def query(self, picture: Image.Image, *, peer: bool = False, limit: int = 10) -> list[ImageMatch]:
        """Indexed pictures that ``picture`` (or its mirror image) copies; ``peer``: single pHash of the picture as given."""
        return self.query_variants([whole_hashes(picture)] if peer else query_hashes(picture), peer=peer, limit=limit)

    def query_variants(self, variants: list[tuple[int, ...]], *, peer: bool = False, limit: int = 10) -> list[ImageMatch]:
        """Indexed pictures that any of ``variants`` (whole hashes of a picture, its mirror image…) copies, best first."""
        if not self.keys:
            return []
        best: dict[int, ImageMatch] = {}
        for hashes in variants:
            for n, match in self._variant(tuple(hashes), peer):  # type: ignore[arg-type]
                if n not in best or match.similarity > best[n].similarity:
                    best[n] = match
        return sorted(best.values(), key=lambda m: (-m.similarity, m.key))[:limit]

    def _variant(self, hashes: tuple[int, int, int, int], peer: bool) -> list[tuple[int, ImageMatch]]:
        whole, tiles, owners = self._numpy()
        names = tuple(LIMITS)
        distances = np.stack([_distance(whole[:, i], hashes[i]) for i in range(4)], axis=1)
        bits = np.array([64, 64, 64, 42])
        found = []
        if peer:
            for n in np.flatnonzero(distances[:, 0] <= PEER_LIMIT):
                found.append((int(n), ImageMatch(self.keys[n], round(1 - distances[n, 0] / 64, 4), "phash",
                                                 {"phash": int(distances[n, 0])})))
            return found
        votes = distances <= np.array([self.limits[name] for name in names])
        # wHash and colour hash alone agree on pictures of one palette and layout: a structural hash must be among the votes
        for n in np.flatnonzero((votes.sum(axis=1) >= self.votes) & (votes[:, 0] | votes[:, 1])):
            voted = votes[n]
            similarity = 1 - float((distances[n][voted] / bits[voted]).mean())
            found.append((int(n), ImageMatch(self.keys[n], round(similarity, 4), "whole",
                                             {name: int(d) for name, d in zip(names, distances[n])})))
        if len(tiles):
            p, d = _distance(tiles[:, 0], hashes[0]), _distance(tiles[:, 1], hashes[1])
            for t in np.flatnonzero((p <= self.tile_limits[0]) & (d <= self.tile_limits[1])):
                similarity = 1 - (p[t] + d[t]) / 128
                found.append((int(owners[t]), ImageMatch(self.keys[owners[t]], round(float(similarity), 4), "tile",
                                                         {"phash": int(p[t]), "dhash": int(d[t])}, self._boxes[t])))
        return found
