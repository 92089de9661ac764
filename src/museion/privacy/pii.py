"""Find and redact personal data in free text (English and Simplified Chinese) with Presidio, offline.

Presidio runs on blank spaCy tokenisers with pattern recognizers only (email, phone, credit card,
IP, URL, IBAN, crypto wallet, MAC) plus Museion's own for mainland-China resident ID numbers and
mobile numbers, with Chinese context words. In either language an entity is found whole with Chinese
characters right against it ("我用银行卡5348069624577453付款"). Nothing is downloaded: no spaCy model,
and the email recognizer's public-suffix list is the snapshot bundled with tldextract.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from museion.privacy.cn_resident_id import CN_RESIDENT_ID

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, RecognizerResult

DEFAULT_THRESHOLD = 0.4
LANGUAGES = ("en", "zh")

# Which entity names a span when overlapping detections tie on score: the better-validated first.
PRIORITY = (CN_RESIDENT_ID, "CREDIT_CARD", "IBAN_CODE", "EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS",
            "MAC_ADDRESS", "CRYPTO", "URL")

_QUOTES = "\"'“‘”’"
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">", "（": "）", "【": "】", "「": "」", "『": "』", "《": "》"}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
_TRAILING = ".,;:!?。，；：！？、" + _QUOTES

@dataclass(frozen=True, slots=True)
class Span:
    """One detected entity: ``text[start:end]`` is of ``type`` with confidence ``score`` (0..1)."""

    start: int
    end: int
    type: str
    score: float


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop quotes, unbalanced brackets and sentence punctuation that patterns (URLs above all) take along."""
    while start < end and (text[start] in _QUOTES or
                           (text[start] in _PAIRS and _PAIRS[text[start]] not in text[start + 1:end])):
        start += 1
    while start < end and (text[end - 1] in _TRAILING or
                           (text[end - 1] in _CLOSERS and _CLOSERS[text[end - 1]] not in text[start:end - 1])):
        end -= 1
    return start, end


def _rank(result: RecognizerResult) -> tuple[float, int, int]:
    kind = PRIORITY.index(result.entity_type) if result.entity_type in PRIORITY else len(PRIORITY)
    return result.score, -kind, result.end - result.start


def _mid_word(text: str, start: int, end: int) -> bool:
    """Whether a detection starts or ends inside a run of ASCII letters and digits ('lin.pa' in 'lin.paints')."""
    def joined(i: int) -> bool:
        return 0 < i < len(text) and text[i - 1].isascii() and text[i - 1].isalnum() and \
            text[i].isascii() and text[i].isalnum()
    return joined(start) or joined(end)


def _name(text: str, group: list[RecognizerResult], start: int, end: int) -> RecognizerResult:
    """The detection that names a merged span: a URL with a scheme covering it all (an '@' in a profile
    URL is no email address), else the best by score, then PRIORITY, then length."""
    urls = [r for r in group if r.entity_type == "URL" and "://" in text[r.start:r.end]
            and r.start <= start and r.end >= end]
    return max(urls or group, key=_rank)


def resolve(text: str, results: Iterable[RecognizerResult]) -> list[Span]:
    """Non-overlapping spans: overlapping detections merge into their union, so redacting the spans
    removes every detection. Detections that start or end mid-word are dropped."""
    trimmed = sorted(((*_trim(text, r.start, r.end), r) for r in results), key=lambda t: (t[0], -t[1]))
    kept = [(s, e, r) for s, e, r in trimmed if s < e and not _mid_word(text, s, e)]
    groups: list[tuple[int, int, list[RecognizerResult]]] = []
    for s, e, result in kept:
        if groups and s < groups[-1][1]:
            groups[-1] = (groups[-1][0], max(groups[-1][1], e), [*groups[-1][2], result])
        else:
            groups.append((s, e, [result]))
    spans = []
    for s, e, group in groups:
        best = _name(text, group, s, e)
        spans.append(Span(s, e, best.entity_type, best.score))
    return spans


class PiiDetector:
    """A Presidio analyzer plus Museion's span resolution and redaction."""

    def __init__(self, analyzer: AnalyzerEngine) -> None:
        self.analyzer = analyzer

    def detect(self, text: str, language: str = "en", *, threshold: float = DEFAULT_THRESHOLD) -> list[Span]:
        """Entities in ``text`` scoring at least ``threshold``, in order, never overlapping."""
        if language not in self.analyzer.supported_languages:
            raise ValueError(f"no PII recognizers for language {language!r}; "
                             f"choose from {', '.join(self.analyzer.supported_languages)}")
        return resolve(text, self.analyzer.analyze(text=text, language=language, score_threshold=threshold))

    def redact(self, text: str, language: str = "en", *, threshold: float = DEFAULT_THRESHOLD) -> str:
        """``text`` with every detected entity, and any other occurrence of the same string, as ``<TYPE>``
        (Presidio Anonymizer's default "replace" operator)."""
        from presidio_anonymizer.entities import RecognizerResult as Finding

        spans = _every_occurrence(text, self.detect(text, language, threshold=threshold))
        findings = [Finding(s.type, s.start, s.end, s.score) for s in spans]
        return _anonymizer().anonymize(text=text, analyzer_results=findings).text


def _every_occurrence(text: str, spans: list[Span]) -> list[Span]:
    """``spans`` plus each other place a detected string occurs (a repeat the recognizers missed) that
    overlaps none of them; one that overlaps is cut by that span's placeholder anyway."""
    taken = list(spans)
    for literal, kind, score in sorted({(text[s.start:s.end], s.type, s.score) for s in spans},
                                       key=lambda f: -len(f[0])):
        start = text.find(literal)
        while start != -1:
            end = start + len(literal)
            if all(end <= t.start or start >= t.end for t in taken):
                taken.append(Span(start, end, kind, score))
            start = text.find(literal, start + 1)
    return sorted(taken, key=lambda s: s.start)


@lru_cache(maxsize=1)
def _anonymizer() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


@lru_cache(maxsize=1)
def default_detector() -> PiiDetector:
    """Museion's configuration for English and Chinese (built once: about a second)."""
    from museion.privacy._presidio import museion_analyzer

    return PiiDetector(museion_analyzer(LANGUAGES))


@lru_cache(maxsize=1)
def stock_detector() -> PiiDetector:
    """Presidio's stock English pattern recognizers (no NER, offline email check): the peer to compare with."""
    from museion.privacy._presidio import stock_analyzer

    return PiiDetector(stock_analyzer())


def detect(text: str, language: str = "en", *, threshold: float = DEFAULT_THRESHOLD) -> list[Span]:
    """Personal data in ``text`` (``language`` "en" or "zh") as non-overlapping spans."""
    return default_detector().detect(text, language, threshold=threshold)


def redact(text: str, language: str = "en", *, threshold: float = DEFAULT_THRESHOLD) -> str:
    """``text`` with each detected entity replaced by ``<TYPE>``."""
    return default_detector().redact(text, language, threshold=threshold)


@dataclass(frozen=True)
class EntityScores:
    """Exact-span matches for one entity type."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else math.nan

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else math.nan


def evaluate(labelled: Iterable[Mapping[str, Any]],
             detector: Callable[[str, str], list[Span]] | None = None) -> dict[str, EntityScores]:
    """Per-type precision and recall of ``detector(text, language)`` on labelled examples.

    Each example is ``{"text", "language", "entities": [{"start", "end", "type"}, ...]}``; a detection
    counts only if start, end and type all equal a labelled entity's.
    """
    run = detector or (lambda text, language: detect(text, language))
    hits: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for example in labelled:
        gold = {(e["start"], e["end"], e["type"]) for e in example["entities"]}
        found = {(s.start, s.end, s.type) for s in run(example["text"], example["language"])}
        hits.update(kind for *_, kind in gold & found)
        extra.update(kind for *_, kind in found - gold)
        missed.update(kind for *_, kind in gold - found)
    return {kind: EntityScores(hits[kind], extra[kind], missed[kind]) for kind in sorted(hits | extra | missed)}
