"""OAI-PMH 2.0 requests as plain data: which arguments each verb takes, their validation into the protocol's error
codes, UTC datestamps at the repository's seconds granularity, record identifiers, and HMAC-signed resumption tokens
that carry a list request's arguments, its keyset cursor, its frozen upper bound and an expiry. Pure: no store, no HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {  # verb → (required, optional) arguments, besides the verb
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset()),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"})),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
}
RESUMABLE = frozenset({"ListSets", "ListIdentifiers", "ListRecords"})
TOKEN_LIFETIME = timedelta(hours=24)
MAX_ARGUMENT = 2000  # longer than any identifier, prefix, set or token this repository issues
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_LOCAL_SAFE = ":;/?@&=+$,!~*'()-_."  # the oai-identifier's local part allows these beside letters and digits
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")


class OaiError(Exception):
    """One of the protocol's error conditions, with a message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a list stopped: the last record's raw datestamp (as the store orders it), its stream (0 live, 1 deleted)
    and its id within that stream."""

    stamp: str
    stream: int
    id: int


@dataclass(frozen=True, slots=True)
class OaiRequest:
    """A validated request. For a resumed list, ``cursor``, ``frozen`` (the upper bound fixed at the first page, so
    records changed later wait for the next harvest instead of shifting pages), ``done`` and ``total`` come from
    the token."""

    verb: str
    args: dict[str, str]
    metadata_prefix: str | None = None
    identifier: str | None = None
    set_spec: str | None = None
    start: datetime | None = None  # from, inclusive
    end: datetime | None = None  # until, exclusive (the next second, or day, after the one asked for)
    frozen: str | None = None
    cursor: Cursor | None = None
    done: int = 0
    total: int | None = None


def utc_datestamp(moment: datetime) -> str:
    """A datestamp at seconds granularity: YYYY-MM-DDThh:mm:ssZ."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datestamp(text: str, name: str) -> tuple[datetime, timedelta]:
    """A ``from``/``until`` argument as a UTC moment and its granularity (one day or one second); badArgument else."""
    try:
        if _DAY.match(text):
            return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC), timedelta(days=1)
        if _SECOND.match(text):
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), timedelta(seconds=1)
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name}={text!r} is not a UTC datestamp (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)")


def record_identifier(repository: str, key: str) -> str:
    """oai:<repository>:<work key>, with characters the oai-identifier scheme does not allow percent-encoded."""
    return f"oai:{repository}:{quote(key, safe=_LOCAL_SAFE)}"


def work_key(repository: str, identifier: str) -> str | None:
    """The work key an identifier of this repository names, or None when it is not one of ours."""
    prefix = f"oai:{repository}:"
    if not identifier.startswith(prefix) or len(identifier) == len(prefix):
        return None
    return unquote(identifier[len(prefix):])


def parse_request(pairs: Iterable[tuple[str, str]], formats: Iterable[str], key: bytes, now: datetime) -> OaiRequest:
    """Validate a request's arguments (as sent: repeated names stay repeated) for ``formats`` and resume its token,
    or raise OaiError with badVerb, badArgument, badResumptionToken or cannotDisseminateFormat."""
    args: dict[str, str] = {}
    for name, value in pairs:
        if name in args:
            raise OaiError("badVerb" if name == "verb" else "badArgument", f"the argument {name!r} is repeated")
        args[name] = value
    verb = args.pop("verb", None)
    if verb is None:
        raise OaiError("badVerb", "no verb: send verb=Identify, ListMetadataFormats, ListSets, ListIdentifiers, "
                                  "ListRecords or GetRecord")
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb[:80]!r} is not an OAI-PMH verb")
    if too_long := [n for n, v in args.items() if len(v) > MAX_ARGUMENT]:
        raise OaiError("badArgument", f"the argument {too_long[0][:40]!r} is too long")
    required, optional = VERBS[verb]
    if "resumptionToken" in args and verb in RESUMABLE:
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument: send it alone with the verb")
        return resume(verb, args["resumptionToken"], key, now)
    unknown = sorted(set(args) - required - optional)
    if unknown:
        raise OaiError("badArgument", f"{verb} takes no argument {unknown[0][:40]!r}")
    missing = sorted(required - set(args))
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument {missing[0]!r}")
    empty = [n for n, v in args.items() if not v]
    if empty:
        raise OaiError("badArgument", f"the argument {empty[0]!r} is empty")
    request = OaiRequest(verb, dict(args), metadata_prefix=args.get("metadataPrefix"), identifier=args.get("identifier"),
                         set_spec=args.get("set"))
    if request.set_spec is not None and not SET_SPEC.match(request.set_spec):
        raise OaiError("badArgument", f"set={request.set_spec[:80]!r} is not a setSpec")
    if "from" in args or "until" in args:
        request = _dated(request, args.get("from"), args.get("until"))
    if request.metadata_prefix is not None and request.metadata_prefix not in set(formats):
        raise OaiError("cannotDisseminateFormat", f"metadataPrefix {request.metadata_prefix[:80]!r} is not offered "
                                                  f"here; ListMetadataFormats names the formats")
    return request


def _dated(request: OaiRequest, start: str | None, until: str | None) -> OaiRequest:
    begin = parse_datestamp(start, "from") if start is not None else None
    end = parse_datestamp(until, "until") if until is not None else None
    if begin and end and begin[1] != end[1]:
        raise OaiError("badArgument", "from and until must have the same granularity")
    if begin and end and begin[0] > end[0]:
        raise OaiError("badArgument", "from is later than until")
    return replace(request, start=begin[0] if begin else None, end=end[0] + end[1] if end else None)


# --- resumption tokens -----------------------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(request: OaiRequest, cursor: Cursor, *, frozen: str, done: int, total: int | None, key: bytes,
                now: datetime) -> tuple[str, datetime]:
    """A signed token that resumes ``request`` after ``cursor``, and when it expires."""
    expires = now + TOKEN_LIFETIME
    body = {"v": request.verb, "p": request.metadata_prefix, "s": request.set_spec,
            "f": request.start.isoformat() if request.start else None, "u": request.end.isoformat() if request.end else None,
            "z": frozen, "c": [cursor.stamp, cursor.stream, cursor.id], "n": done, "t": total, "x": int(expires.timestamp())}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.digest(key, payload.encode(), hashlib.sha256)[:20])}", expires


def resume(verb: str, token: str, key: bytes, now: datetime) -> OaiRequest:
    """The request a token resumes; badResumptionToken when it was not issued here, was altered, is for another
    verb, or has expired."""
    payload, _, signature = token.partition(".")
    try:
        expected = _b64(hmac.digest(key, payload.encode(), hashlib.sha256)[:20])
        if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
            raise ValueError("signature")
        body = json.loads(_unb64(payload))
        stamp, stream, last = body["c"]
        request = OaiRequest(body["v"], {"resumptionToken": token}, metadata_prefix=body["p"], set_spec=body["s"],
                             start=datetime.fromisoformat(body["f"]) if body["f"] else None,
                             end=datetime.fromisoformat(body["u"]) if body["u"] else None, frozen=str(body["z"]),
                             cursor=Cursor(str(stamp), int(stream), int(last)), done=int(body["n"]),
                             total=None if body["t"] is None else int(body["t"]))
        expires = int(body["x"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise OaiError("badResumptionToken", "the resumptionToken was not issued by this repository or was altered; "
                                             "start the list again without it") from None
    if request.verb != verb:
        raise OaiError("badResumptionToken", f"the resumptionToken belongs to {request.verb}, not {verb}")
    if now.timestamp() > expires:
        raise OaiError("badResumptionToken", "the resumptionToken has expired; start the list again without it")
    return request
