"""Presidio set up to run offline: blank spaCy tokenisers, pattern recognizers only, no NER, no downloads.

Imported lazily by ``museion.privacy.pii`` (Presidio and spaCy take about a second to import).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import regex
import spacy
import tldextract
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    CryptoRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    MacAddressRecognizer,
    PhoneRecognizer,
    UrlRecognizer,
)

from museion.privacy.cn_resident_id import CN_RESIDENT_ID, is_cn_resident_id

# tldextract's module-level extractor (used by Presidio's email recognizer) fetches the public
# suffix list over the network on first use; this one reads only the snapshot bundled in the wheel
# and writes no cache.
OFFLINE_TLD = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

# Characters of context looked at before an entity: about five words in English, in Chinese (no
# spaces, a word is one to three characters) about five words too.
CONTEXT_WINDOW = {"en": 40, "zh": 10}

CONTEXT: dict[str, dict[str, list[str]]] = {
    "en": {  # Presidio's own words, plus the ones it has no recognizer for
        "phone": ["phone", "telephone", "tel", "mobile", "cell", "call", "text me", "whatsapp", "wechat"],
        "id": ["identity", "id card", "id number", "resident", "citizen"],
        "card": ["credit", "card", "visa", "mastercard", "amex", "unionpay", "debit"],
        "email": ["email"],
        "url": ["url", "website", "link"],
        "ip": ["ip", "ipv4", "ipv6"],
        "iban": ["iban", "bank", "transaction"],
    },
    "zh": {
        "phone": ["电话", "手机", "号码", "联系", "致电", "座机", "热线", "微信", "tel", "phone"],
        "id": ["身份证", "身份证号", "证件号", "公民身份号码"],
        "card": ["银行卡", "信用卡", "借记卡", "卡号", "银联", "visa"],
        "email": ["邮箱", "电邮", "邮件", "email"],
        "url": ["网址", "链接", "网站", "主页", "url"],
        "ip": ["ip", "地址"],
        "iban": ["iban", "账户", "账号"],
    },
}


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer, validating the domain against the bundled public-suffix snapshot."""

    def validate_result(self, pattern_text: str) -> bool:
        return OFFLINE_TLD(pattern_text).fqdn != ""


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """spaCy tokenisers only (``spacy.blank``): nothing to download, no NER. Chinese is split per character."""

    def __init__(self, languages: Sequence[str]) -> None:
        super().__init__(models=[{"lang_code": lang, "model_name": f"blank:{lang}"} for lang in languages])

    def load(self) -> None:
        # The zh "char" segmenter is built in; "jieba"/"pkuseg" would need extra packages and models.
        config = {"zh": {"nlp": {"tokenizer": {"segmenter": "char"}}}}
        self.nlp = {m["lang_code"]: spacy.blank(m["lang_code"], config=config.get(m["lang_code"], {}))
                    for m in self.models}


class WindowContextEnhancer(ContextAwareEnhancer):
    """Raises a score when one of its recognizer's context words occurs just before the entity.

    Presidio's own enhancer compares lemmas, which blank pipelines do not produce, and whole tokens,
    which for Chinese are single characters; raw text before the entity works for both languages.
    """

    def __init__(self, windows: Mapping[str, int]) -> None:
        super().__init__(context_similarity_factor=0.35, min_score_with_context_similarity=0.4,
                         context_prefix_count=0, context_suffix_count=0)
        self.windows = windows

    def enhance_using_context(self, text: str, raw_results: list[RecognizerResult], nlp_artifacts: NlpArtifacts,
                              recognizers: list[EntityRecognizer],
                              context: list[str] | None = None) -> list[RecognizerResult]:
        by_id = {r.id: r for r in recognizers}
        results = copy.deepcopy(raw_results)
        for result in results:
            recognizer = by_id.get((result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if recognizer is None or not recognizer.context:
                continue
            width = self.windows.get(recognizer.supported_language, 40)
            before = text[max(0, result.start - width):result.start].lower()
            word = next((w for w in recognizer.context if w.lower() in before), None)
            if word is not None:
                result.score = min(max(result.score + self.context_similarity_factor,
                                       self.min_score_with_context_similarity), self.MAX_SCORE)
                result.analysis_explanation.set_supportive_context_word(word)
                result.analysis_explanation.set_improved_score(result.score)
        return results


class CnResidentIdRecognizer(PatternRecognizer):
    """Mainland-China resident identity numbers: 18 characters, kept only if region, birth date and
    the ISO 7064 MOD 11-2 check character are all valid (a failed check drops the match)."""

    PATTERNS = [Pattern("CN resident ID", r"(?<![0-9A-Za-z])\d{6}[ ]?\d{8}[ ]?\d{3}[0-9Xx](?![0-9A-Za-z])", 0.3)]

    def __init__(self, supported_language: str, context: list[str]) -> None:
        super().__init__(CN_RESIDENT_ID, patterns=self.PATTERNS, context=context, supported_language=supported_language)

    def validate_result(self, pattern_text: str) -> bool:
        return is_cn_resident_id(pattern_text.replace(" ", ""))


class CnMobileRecognizer(PatternRecognizer):
    """Mainland mobile numbers 1[3-9]x xxxx xxxx, optionally +86/0086 and space or hyphen separators."""

    _NOT_BEFORE = r"(?<![0-9A-Za-z+._-])"
    PATTERNS = [
        Pattern("CN mobile, +86/0086", _NOT_BEFORE + r"(?:\+86|0086)[ -]?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])",
                0.6),
        Pattern("CN mobile, 3-4-4 groups", _NOT_BEFORE + r"1[3-9]\d[ -]\d{4}[ -]\d{4}(?![0-9A-Za-z])", 0.5),
        Pattern("CN mobile, 11 digits", _NOT_BEFORE + r"1[3-9]\d{9}(?![0-9A-Za-z])", 0.4),
    ]

    def __init__(self, supported_language: str, context: list[str]) -> None:
        super().__init__("PHONE_NUMBER", patterns=self.PATTERNS, context=context, supported_language=supported_language)


UNIONPAY_19 = Pattern("UnionPay, 19 digits", r"(?<![0-9A-Za-z])62\d{2}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{3}(?![0-9A-Za-z])",
                      0.3)


# East Asian wide and full-width characters (Unicode East_Asian_Width W and F): CJK ideographs, kana,
# hangul, CJK punctuation and full-width forms. Chinese text puts them against an entity with no space,
# yet Unicode counts ideographs as word characters, so "银行卡5348…付款" has no \b around the number.
CJK = r"\p{ea=W}\p{ea=F}"
_WORD = rf"[^\W{CJK}]"  # a word character that is not CJK
_NARROW = {r"\w": _WORD, r"\d": rf"[^\D{CJK}]"}
_BOUNDARY = rf"(?:(?<!{_WORD})(?={_WORD})|(?<={_WORD})(?!{_WORD}))"
_TOKEN = regex.compile(r"\\.|\[\^?\]?(?:\\.|[^\]])*\]|.", regex.DOTALL)  # an escape, a character class, or one character
_MATCHES_CJK = {".", r"\B", r"\W", r"\D", r"\S"}


def cjk_bounded(pattern: str) -> str:
    """``pattern`` in which CJK characters are never part of a match and are non-word characters to ``\\b``:
    ``\\w``, ``\\d`` and the character classes that could match them leave CJK out."""
    tokens = []
    for token in _TOKEN.findall(pattern):
        if token in _MATCHES_CJK:
            raise ValueError(f"{token!r} in {pattern!r} matches CJK characters; rewrite it before use")
        if token == r"\b":
            token = _BOUNDARY
        elif token in _NARROW:
            token = _NARROW[token]
        elif token.startswith("[^"):
            token = token[:-1] + CJK + "]"
        elif token.startswith("[") and any(escape in token for escape in _NARROW):
            token = rf"(?:(?![{CJK}]){token})"
        tokens.append(token)
    return "".join(tokens)


def _cjk_aware(recognizer: PatternRecognizer) -> PatternRecognizer:
    """``recognizer`` with its patterns passed through ``cjk_bounded``: Presidio's own patterns, rewritten
    rather than copied, so that an upgrade's fixes carry over and a construct the rewrite misses fails loudly."""
    # New Pattern objects: compiled regexes are cached on them, and Presidio's class-level PATTERNS are shared.
    recognizer.patterns = [Pattern(p.name, cjk_bounded(p.regex), p.score) for p in recognizer.patterns]
    return recognizer


def museion_recognizers(language: str) -> list[EntityRecognizer]:
    """Presidio's locale-free pattern recognizers plus the Chinese ones, with context words for ``language``;
    in either language every pattern finds an entity whole with Chinese characters right against it.

    Left out on purpose: spaCy NER (needs a model), dates (years and dates of works are catalogue data),
    UUIDs (system keys) and the US/UK document numbers (they fire on catalogue numbers).
    """
    words = CONTEXT[language]
    # Chinese text writes foreign numbers with their +code, which parses from any region; as national
    # numbers only Chinese ones are expected. Leniency 2 (strict grouping) turns away object numbers
    # such as 2019.555.147 that are valid digit strings but grouped as no phone number is.
    regions = ("CN",) if language == "zh" else (*PhoneRecognizer.DEFAULT_SUPPORTED_REGIONS, "CN")
    patterns: list[PatternRecognizer] = [
        CnMobileRecognizer(language, words["phone"]),
        CnResidentIdRecognizer(language, words["id"]),
        CreditCardRecognizer(patterns=[*CreditCardRecognizer.PATTERNS, UNIONPAY_19], context=words["card"],
                             supported_language=language),
        OfflineEmailRecognizer(context=words["email"], supported_language=language),
        UrlRecognizer(context=words["url"], supported_language=language),
        IpRecognizer(context=words["ip"], supported_language=language),
        IbanRecognizer(context=words["iban"], supported_language=language),
        CryptoRecognizer(supported_language=language),
        MacAddressRecognizer(supported_language=language),
    ]
    # libphonenumber's matcher needs no rewriting: it takes whole runs of digits and refuses a number only
    # when a Latin letter, '%' or a currency sign touches it, so Chinese characters around one are fine.
    phones = PhoneRecognizer(context=words["phone"], supported_language=language, supported_regions=regions, leniency=2)
    return [phones, *(_cjk_aware(r) for r in patterns)]


def museion_analyzer(languages: Sequence[str] = ("en", "zh")) -> AnalyzerEngine:
    """Analyzer for English and Simplified Chinese with Museion's recognizers and text-window context."""
    registry = RecognizerRegistry(supported_languages=list(languages))
    for language in languages:
        for recognizer in museion_recognizers(language):
            registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=BlankSpacyNlpEngine(languages),
                          supported_languages=list(languages),
                          context_aware_enhancer=WindowContextEnhancer(CONTEXT_WINDOW))


def stock_analyzer() -> AnalyzerEngine:
    """Presidio's default English recognizers minus spaCy NER, email checked offline: the benchmark's peer."""
    engine = BlankSpacyNlpEngine(["en"])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    registry.remove_recognizer("SpacyRecognizer")
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer())
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
