"""Text analysis for search (pure): how titles, names, subjects and queries become index terms.

Latin-script words are case-folded, stripped of accents and stemmed with the Snowball English stemmer (PyStemmer), so
"harbours" meets "Harbour" and "Rénoir" meets "renoir"; English stop words (scikit-learn's list) are dropped. Runs of
Chinese characters are segmented with jieba (its dictionary ships in the wheel: nothing is downloaded); in a query, a
Chinese word found in the curated subject table (``zh_subjects``) also searches its English words, which is how a
Chinese query reaches a catalogue written in English.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

import jieba
import Stemmer

from museion.studio.zh_subjects import ZH_TO_EN

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUNS = re.compile(rf"[{CJK}]+|[^\W{CJK}]+", re.UNICODE)
HAN = re.compile(rf"[{CJK}]")
ZH_STOP = frozenset("的了和与及在是之也就都而")  # Chinese function words: as common as "the"
MAX_QUERY_TERMS = 32  # a longer query is cut here: its tail adds little and would cost time

_lock = threading.Lock()
_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _segmenter() -> jieba.Tokenizer:
    """jieba with the subject table's words added, so 帆船 stays one word; built once (about a second)."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in ZH_TO_EN:
        tokenizer.add_word(word, freq=2000)
    return tokenizer


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """scikit-learn's English stop words (imported on first use: scikit-learn takes seconds to import)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """One Latin-script word as an index term ("" for a stop word)."""
    word = _fold(word.casefold())
    if word in _stop_words() or word == "_":
        return ""
    with _lock:  # a PyStemmer stemmer is not safe to share between threads
        return _stemmer.stemWord(word)


def _chinese(run: str, *, for_search: bool) -> list[str]:
    seg = _segmenter()
    with _lock:
        words = seg.lcut_for_search(run) if for_search else seg.lcut(run)
    return [w for w in words if w.strip() and w not in ZH_STOP]


def terms(text: str | None) -> list[str]:
    """The index terms of a field's text, in order (repeats kept: they are term frequency)."""
    if not text:
        return []
    out: list[str] = []
    for run in RUNS.findall(unicodedata.normalize("NFKC", text)):
        if HAN.match(run):
            out += _chinese(run, for_search=True)
        elif term := stem(run):
            out.append(term)
    return out


def query_terms(text: str) -> list[str]:
    """A query's terms: its own, and for each Chinese word the table knows, the English words' terms. Operators,
    quotes and brackets are only punctuation here, so no input is a syntax error."""
    out: list[str] = []
    for run in RUNS.findall(unicodedata.normalize("NFKC", text)):
        if len(out) >= MAX_QUERY_TERMS:
            break
        if not HAN.match(run):
            if term := stem(run):
                out.append(term)
            continue
        words = [run] if run in ZH_TO_EN else _chinese(run, for_search=False)
        for word in words:
            out.append(word)
            # a word the table lacks (山水画) is looked up by its parts (山水, 画)
            parts = [word] if word in ZH_TO_EN else _chinese(word, for_search=True)
            out += [t for part in parts for t in terms(ZH_TO_EN.get(part))]
    return list(dict.fromkeys(out))[:MAX_QUERY_TERMS]


def has_chinese(text: str) -> bool:
    return HAN.search(text) is not None
