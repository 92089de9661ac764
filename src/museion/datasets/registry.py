"""The datasets Museion knows: the built-in adapters, looked up by name."""

from __future__ import annotations

from museion.datasets import adapters  # noqa: F401  (registers the built-in datasets)
from museion.datasets.dataset import Dataset, registered
from museion.errors import NotFound


def all_datasets() -> list[Dataset]:
    return registered()


def get_dataset(name: str) -> Dataset:
    names = {d.name: d for d in all_datasets()}
    if name not in names:
        raise NotFound(f"unknown dataset {name!r}; known: {', '.join(sorted(names))}")
    return names[name]
