"""PII detection and redaction: Chinese recognizers, checksum, overlaps, offline operation, labelled-set quality."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from museion.privacy._presidio import cjk_bounded
from museion.privacy.cn_resident_id import CN_RESIDENT_ID, cn_id_check_character, is_cn_resident_id
from museion.privacy.pii import Span, detect, evaluate, redact

LABELLED = Path(__file__).parent / "data" / "pii_labelled.jsonl"
TARGETS = ("EMAIL_ADDRESS", "PHONE_NUMBER", CN_RESIDENT_ID, "CREDIT_CARD")
VALID_ID = "11010519491231002X"  # made up: Beijing, born 1949-12-31, check character X


def iso7064_mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2 as the standard states it (recursive doubling), independent of the weight table."""
    p = 0
    for d in digits:
        p = (p + int(d)) * 2 % 11
    check = (12 - p) % 11
    return "X" if check == 10 else str(check)


def kinds(text: str, language: str = "en") -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.type) for s in detect(text, language)]


@settings(max_examples=300)
@given(st.text("0123456789", min_size=17, max_size=17))
def test_check_character_agrees_with_the_iso_7064_reference(digits: str) -> None:
    assert cn_id_check_character(digits) == iso7064_mod11_2(digits)


def test_resident_id_validation() -> None:
    assert is_cn_resident_id(VALID_ID) and is_cn_resident_id(VALID_ID.lower())
    assert not is_cn_resident_id(VALID_ID[:-1] + "1")  # wrong check character
    assert not is_cn_resident_id("99" + VALID_ID[2:])  # no such province
    body = "110105" + "19490230" + "002"  # 30 February
    assert not is_cn_resident_id(body + cn_id_check_character(body))
    body = "110105" + "20300101" + "002"  # born in the future
    assert not is_cn_resident_id(body + cn_id_check_character(body), today=date(2025, 1, 1))
    assert not is_cn_resident_id("１１０１０５１９４９１２３１００２X")  # full-width digits


def test_resident_ids_are_found_only_with_a_valid_checksum() -> None:
    assert kinds(f"身份证号{VALID_ID}，请核对。", "zh") == [(VALID_ID, CN_RESIDENT_ID)]
    assert kinds(f"ID card {VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]} on file") == \
        [(f"{VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}", CN_RESIDENT_ID)]
    wrong = VALID_ID[:-1] + "5"
    assert detect(f"身份证号{wrong}", "zh", threshold=0.0) == []  # not even with a low score


@pytest.mark.parametrize(("text", "language", "number"), [
    ("手机13812345678，谢谢", "zh", "13812345678"),
    ("电话：+86 138 1234 5678。", "zh", "+86 138 1234 5678"),
    ("请拨0086-139-1234-5678", "zh", "0086-139-1234-5678"),
    ("My number in Shanghai is 159 1234 5678.", "en", "159 1234 5678"),
])
def test_mainland_mobiles_are_phone_numbers(text: str, language: str, number: str) -> None:
    assert kinds(text, language) == [(number, "PHONE_NUMBER")]


def test_mobile_lookalikes_inside_longer_numbers_are_not_phones() -> None:
    assert kinds("订单号2023101513812345678已发货", "zh") == []
    assert kinds("Accession AB13812345678X is on loan.") == []


def test_chinese_context_words_raise_the_score() -> None:
    plain, = detect("数字13812345678", "zh")
    with_context, = detect("我的手机13812345678", "zh")
    assert with_context.score > plain.score


def test_entities_touching_chinese_characters_are_found_whole() -> None:
    text = "邮箱是zhang.wei@example.com请联系，卡号4111111111111111，网址https://www.dpm.org.cn/visit请查看"
    assert kinds(text, "zh") == [("zhang.wei@example.com", "EMAIL_ADDRESS"), ("4111111111111111", "CREDIT_CARD"),
                                 ("https://www.dpm.org.cn/visit", "URL")]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(("text", "value", "kind"), [
    ("我用银行卡5348069624577453付款", "5348069624577453", "CREDIT_CARD"),  # the sentence of issue 12
    ("年卡用3782 822463 10005支付", "3782 822463 10005", "CREDIT_CARD"),
    ("储蓄卡6250941006528599是我的", "6250941006528599", "CREDIT_CARD"),
    ("カード4111111111111111で支払い", "4111111111111111", "CREDIT_CARD"),
    ("有事打13812345678找我", "13812345678", "PHONE_NUMBER"),
    ("请拨+86 139 1234 5678联系领队", "+86 139 1234 5678", "PHONE_NUMBER"),
    ("座机010-6513 2255转分机", "010-6513 2255", "PHONE_NUMBER"),
    ("发到zhang.wei@example.com邮箱", "zhang.wei@example.com", "EMAIL_ADDRESS"),
    ("邮箱müller@example.de谢谢", "müller@example.de", "EMAIL_ADDRESS"),  # whole, not "ller@…"
    (f"实名登记{VALID_ID}已核验", VALID_ID, CN_RESIDENT_ID),
    ("汇款至DE89370400440532013000备注展览名称", "DE89370400440532013000", "IBAN_CODE"),
    ("账户GB82WEST12345698765432户名王某", "GB82WEST12345698765432", "IBAN_CODE"),
    ("服务器192.168.1.20宕机了", "192.168.1.20", "IP_ADDRESS"),
    ("来自2001:db8::1f的请求被拦截", "2001:db8::1f", "IP_ADDRESS"),
    ("网址https://www.dpm.org.cn/visit请查看", "https://www.dpm.org.cn/visit", "URL"),
    ("见https://fr.wikipedia.org/wiki/Musée_du_Louvre的介绍", "https://fr.wikipedia.org/wiki/Musée_du_Louvre", "URL"),
    ("设备00:1A:2B:3C:4D:5E离线", "00:1A:2B:3C:4D:5E", "MAC_ADDRESS"),
    ("钱包bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq收款", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "CRYPTO"),
])
def test_entities_between_chinese_characters_are_found_whole_in_either_language(text: str, value: str, kind: str,
                                                                                 language: str) -> None:
    assert kinds(text, language) == [(value, kind)]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("text", [
    "共售出1368件单价128元",
    "门票80元学生半价40元自2024年起实行",
    "2024年10月15日下午3点开馆",
    "观众人数1389907人次同比增长12%",
    "本馆藏品240118件其中一级文物1902件",
    "修缮预算约1250000元分三年拨付",
    "编号2019.3.1462的藏品借展3个月",
    "订单号2023101513812345678已发货",  # holds a mobile number's digits
    "订单号1234567812345678已取消",  # a card's length, failing the Luhn check
    f"批次号{VALID_ID[:-1]}5作废",  # a resident ID's shape, failing its check character
])
def test_numbers_in_chinese_text_that_are_not_personal_data_are_left_alone(text: str, language: str) -> None:
    assert detect(text, language) == []


def luhn_complete(body: str) -> str:
    """``body`` with the check digit that makes it pass the Luhn test."""
    total = sum(int(d) if i % 2 else sum(divmod(2 * int(d), 10)) for i, d in enumerate(reversed(body)))
    return body + str(-total % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    prefix, length = draw(st.sampled_from([("4", 13), ("4", 16), ("51", 16), ("55", 16), ("34", 15), ("37", 15),
                                           ("62", 16), ("62", 19)]))
    size = length - len(prefix) - 1
    return luhn_complete(prefix + draw(st.text("0123456789", min_size=size, max_size=size)))


cjk_text = st.text(st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK ideographs
    st.characters(min_codepoint=0x3000, max_codepoint=0x30FF),  # CJK punctuation, hiragana, katakana
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),  # hangul syllables
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF60),  # full-width forms, digits included
), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(cjk_text, card_numbers(), cjk_text, st.sampled_from(["en", "zh"]))
def test_a_card_number_between_any_cjk_characters_is_found_exactly(before: str, card: str, after: str,
                                                                  language: str) -> None:
    assert kinds(before + card + after, language) == [(card, "CREDIT_CARD")]


def test_cjk_bounded_puts_word_boundaries_at_chinese_characters() -> None:
    assert regex.findall(r"\b\d+\b", "共123件") == []  # the reason for it: ideographs are word characters
    assert regex.findall(cjk_bounded(r"\b\d+\b"), "共123件，第4期") == ["123", "4"]
    assert regex.findall(cjk_bounded(r"[\w.]+@\w+\.com"), "发到li.na@qq.com邮箱") == ["li.na@qq.com"]
    assert regex.findall(cjk_bounded(r"https://[^\s]+"), "见https://a.cn/x请看") == ["https://a.cn/x"]
    assert regex.findall(cjk_bounded(r"\b\d+\b"), "４1234５") == ["1234"]  # full-width digits are not its digits
    with pytest.raises(ValueError, match=r"^'\.' in .* matches CJK characters"):
        cjk_bounded(r"card.\d+")


def test_overlaps_merge_and_profile_urls_stay_urls() -> None:
    assert kinds("Mail jane.doe@example.org today.") == [("jane.doe@example.org", "EMAIL_ADDRESS")]
    assert kinds("See https://mastodon.social/@kwame.art/112 now.") == \
        [("https://mastodon.social/@kwame.art/112", "URL")]


def test_redaction_replaces_each_entity_with_its_type() -> None:
    text = f"Call (212) 555-0199 or mail jane.doe@example.org; ID {VALID_ID}."
    assert redact(text) == "Call <PHONE_NUMBER> or mail <EMAIL_ADDRESS>; ID <CN_RESIDENT_ID>."
    assert redact("手机13812345678，身份证" + VALID_ID, "zh") == "手机<PHONE_NUMBER>，身份证<CN_RESIDENT_ID>"


def test_a_repeat_the_recognizers_miss_is_redacted_too() -> None:
    text = "Call 13812345678, or extension x13812345678."
    assert kinds(text) == [("13812345678", "PHONE_NUMBER")]  # the second is glued to a letter
    assert redact(text) == "Call <PHONE_NUMBER>, or extension x<PHONE_NUMBER>."


fragments = st.sampled_from([
    "jane.doe@example.org", "13812345678", "+86 139 1234 5678", VALID_ID, "4111 1111 1111 1111",
    "https://museum.example.com/a?b=1", "(212) 555-0199", "192.168.0.1", "ISBN 978-7-5010-5832-1",
    "1975.312.4", "¥128.00", "手机", "身份证号", "邮箱", "，", "。", " ", "visit", "2024年", "订单",
])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fragments, min_size=1, max_size=12), st.sampled_from(["en", "zh"]))
def test_redaction_leaves_no_detected_entity(parts: list[str], language: str) -> None:
    text = "".join(parts)
    spans = detect(text, language)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert not [s for s in spans if any(unicodedata.east_asian_width(c) in "WF" for c in text[s.start:s.end])]
    out = redact(text, language)
    for span in spans:
        assert text[span.start:span.end] not in out


def test_an_unsupported_language_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'fr'.*en, zh"):
        detect("Appelez-moi", "fr")


def test_evaluate_counts_exact_spans_only() -> None:
    labelled = [{"text": "a b", "language": "en", "entities": [{"start": 0, "end": 1, "type": "X"},
                                                              {"start": 2, "end": 3, "type": "Y"}]}]
    scores = evaluate(labelled, lambda text, language: [Span(0, 1, "X", 1.0), Span(1, 3, "Y", 1.0)])
    assert (scores["X"].precision, scores["X"].recall) == (1.0, 1.0)
    assert (scores["Y"].true_positives, scores["Y"].false_positives, scores["Y"].false_negatives) == (0, 1, 1)


def test_labelled_set_reaches_95_percent_precision_and_recall() -> None:
    labelled = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert len(labelled) >= 150 and {r["language"] for r in labelled} == {"en", "zh"}
    scores = evaluate(labelled)
    for kind in TARGETS:
        assert scores[kind].precision >= 0.95, (kind, scores[kind])
        assert scores[kind].recall >= 0.95, (kind, scores[kind])


def test_chinese_sentences_read_as_english_lose_nothing() -> None:
    """The CLI reads text as English unless told otherwise: entities in Chinese text must be found all the same."""
    chinese = [{**r, "language": "en"} for r in map(json.loads, LABELLED.read_text(encoding="utf-8").splitlines())
               if r["language"] == "zh"]
    scores = evaluate(chinese)
    for kind in TARGETS:
        assert scores[kind].recall >= 0.95, (kind, scores[kind])
        # English also parses the national numbers of eight more regions: German ones as short as a year.
        assert scores[kind].precision >= (0.85 if kind == "PHONE_NUMBER" else 0.95), (kind, scores[kind])


REFUSE_NETWORK = """
import json, socket
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[:2]))
    raise OSError("network disabled in this test")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.getaddrinfo = socket.create_connection = refuse
"""


def run_offline(code: str, tmp_path: Path) -> list[object]:
    """Run ``code`` in a fresh interpreter whose sockets refuse (and count) every attempt to connect;
    tldextract gets an empty cache, so a default set-up would have to fetch the suffix list."""
    env = {**os.environ, "TLDEXTRACT_CACHE": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", REFUSE_NETWORK + code], capture_output=True, text=True, env=env,
                         check=True, timeout=120)
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_detection_attempts_no_network(tmp_path: Path) -> None:
    attempts, found = run_offline(
        "from museion.privacy.pii import detect\n"
        "found = [s.type for s in detect('mail jane.doe@example.org', 'en') + detect('邮箱li.na@163.com', 'zh')]\n"
        "print(json.dumps([len(attempts), found]))", tmp_path)
    assert (attempts, found) == (0, ["EMAIL_ADDRESS", "EMAIL_ADDRESS"])


def test_the_probe_catches_the_default_tldextract_going_online(tmp_path: Path) -> None:
    """The control: tldextract's default extractor, which Presidio's own email recognizer calls, tries to connect."""
    attempts, fqdn = run_offline("import tldextract\n"
                                 "fqdn = tldextract.extract('a@example.org').fqdn\n"
                                 "print(json.dumps([len(attempts), fqdn]))", tmp_path)
    assert attempts > 0 and fqdn == "example.org"


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    code = ("import sys, museion.privacy, museion.privacy.pii, museion.privacy.dp; "
            "print(sorted(m for m in ('presidio_analyzer', 'spacy', 'opendp', 'pandas') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert run.stdout.strip() == "[]"
