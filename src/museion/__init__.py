"""Museion: responsible AI for cultural organisations' catalogue and audience data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("museion")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
