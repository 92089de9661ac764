"""The OAI-PMH protocol core: argument validation into the protocol's error codes, datestamps, identifiers and
signed resumption tokens (forged, altered, expired or misused ones refused)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.heritage.oai_protocol import (
    Cursor,
    OaiError,
    OaiRequest,
    issue_token,
    parse_request,
    record_identifier,
    resume,
    work_key,
)

KEY = b"k" * 32
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
FORMATS = ("oai_dc", "edm")
CODES = {"badVerb", "badArgument", "badResumptionToken", "cannotDisseminateFormat"}


def code(pairs: list[tuple[str, str]]) -> str:
    with pytest.raises(OaiError) as caught:
        parse_request(pairs, FORMATS, KEY, NOW)
    return caught.value.code


@pytest.mark.parametrize(("pairs", "expected"), [
    ([], "badVerb"),
    ([("verb", "Identify"), ("verb", "Identify")], "badVerb"),
    ([("verb", "Harvest")], "badVerb"),
    ([("verb", "Identify"), ("set", "x")], "badArgument"),
    ([("verb", "ListRecords")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "edm")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "marc21")], "cannotDisseminateFormat"),
    ([("verb", "GetRecord"), ("identifier", "oai:x:1")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2026-13-01")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2026-01-01T00:00:00")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2026-01-01"), ("until", "2026-01-01T00:00:00Z")],
     "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2026-02-01"), ("until", "2026-01-01")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "a b")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("resumptionToken", "x")], "badArgument"),
    ([("verb", "ListRecords"), ("resumptionToken", "made.up")], "badResumptionToken"),
    ([("verb", "ListRecords"), ("resumptionToken", "")], "badResumptionToken"),
    ([("verb", "GetRecord"), ("resumptionToken", "x")], "badArgument"),
])
def test_bad_requests_get_the_protocols_error_codes(pairs: list[tuple[str, str]], expected: str) -> None:
    assert code(pairs) == expected


def test_dates_become_half_open_bounds_at_their_granularity() -> None:
    day = parse_request([("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("from", "2026-01-01"),
                         ("until", "2026-01-02")], FORMATS, KEY, NOW)
    assert day.start == datetime(2026, 1, 1, tzinfo=UTC) and day.end == datetime(2026, 1, 3, tzinfo=UTC)
    second = parse_request([("verb", "ListRecords"), ("metadataPrefix", "edm"), ("until", "2026-01-01T10:00:00Z")],
                           FORMATS, KEY, NOW)
    assert second.start is None and second.end == datetime(2026, 1, 1, 10, 0, 1, tzinfo=UTC)


def test_a_token_resumes_its_request_and_nothing_else() -> None:
    first = parse_request([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "kind:film"),
                           ("from", "2026-01-01")], FORMATS, KEY, NOW)
    token, expires = issue_token(first, Cursor("2026-01-02 10:00:00", 0, 42), frozen="2026-05-01 12:00:00.000000",
                                 done=100, total=250, key=KEY, now=NOW)
    assert expires > NOW
    again = parse_request([("verb", "ListRecords"), ("resumptionToken", token)], FORMATS, KEY, NOW + timedelta(hours=1))
    assert (again.metadata_prefix, again.set_spec, again.start, again.cursor, again.done, again.total) == (
        "oai_dc", "kind:film", datetime(2026, 1, 1, tzinfo=UTC), Cursor("2026-01-02 10:00:00", 0, 42), 100, 250)
    assert again.frozen == "2026-05-01 12:00:00.000000"
    with pytest.raises(OaiError, match="expired"):
        resume("ListRecords", token, KEY, NOW + timedelta(days=2))
    with pytest.raises(OaiError, match="belongs to ListRecords"):
        resume("ListIdentifiers", token, KEY, NOW)
    with pytest.raises(OaiError) as forged:
        resume("ListRecords", token, b"another key" * 3, NOW)
    assert forged.value.code == "badResumptionToken"
    payload, signature = token.split(".")
    altered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(OaiError):
        resume("ListRecords", f"{altered}.{signature}", KEY, NOW)


def test_identifiers_round_trip_and_foreign_ones_are_not_ours() -> None:
    for key in ("tate:A00001", "demo:a b/c", "moma:1%2", "x:é"):
        assert work_key("museion.local", record_identifier("museion.local", key)) == key
    assert " " not in record_identifier("museion.local", "demo:a b")
    assert work_key("museion.local", "oai:elsewhere.org:tate:1") is None
    assert work_key("museion.local", "oai:museion.local:") is None


names = st.sampled_from(["verb", "metadataPrefix", "identifier", "set", "from", "until", "resumptionToken", "x"])
values = st.one_of(st.sampled_from(["Identify", "ListRecords", "ListSets", "GetRecord", "ListIdentifiers",
                                    "ListMetadataFormats", "oai_dc", "edm", "2026-01-01", "2026-01-01T00:00:00Z", ""]),
                   st.text(max_size=30))


@given(st.lists(st.tuples(names, values), max_size=6))
def test_any_arguments_validate_or_fail_with_a_protocol_code(pairs: list[tuple[str, str]]) -> None:
    try:
        request = parse_request(pairs, FORMATS, KEY, NOW)
    except OaiError as exc:
        assert exc.code in CODES and exc.message
    else:
        assert isinstance(request, OaiRequest) and request.verb in {v for n, v in pairs if n == "verb"}
