"""Members speaking for themselves: a flag on a recommended item or a comment on the disclosure is sent by the member's
own credentials only (never staff, nor a member token staff minted), at a bounded rate per member."""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from starlette.requests import Request

from museion.http.authz import Forbidden, RateLimited
from museion.http.ratelimit import TokenBucket
from museion.security.auth import Principal
from museion.security.permissions import SELF_ONLY

POSTS, PERIOD = 20, 3600.0  # flags and comments a member may send per hour (a burst of 20, then one every 3 minutes)
_BUCKETS: WeakKeyDictionary[object, TokenBucket] = WeakKeyDictionary()
_LOCK = threading.Lock()


def posts_bucket(request: Request) -> TokenBucket:
    """The app's bucket of member posts (one per app, so tests and workers do not share it)."""
    with _LOCK:
        bucket = _BUCKETS.get(request.app)
        if bucket is None:
            bucket = _BUCKETS[request.app] = TokenBucket(capacity=POSTS, period=PERIOD)
        return bucket


def own_voice(request: Request, principal: Principal) -> str:
    """The key of the member speaking, or Forbidden for anyone else; spends one post of theirs (RateLimited when none
    is left, before the input is even looked at, so refused attempts count too)."""
    if principal.role not in SELF_ONLY or principal.member_key is None or principal.issued_by is not None:
        raise Forbidden("only a member signed in as themselves can flag a recommendation or comment on it; "
                        "staff may not do so on a member's behalf")
    if wait := posts_bucket(request).take(principal.member_key):
        raise RateLimited(wait)
    return principal.member_key
