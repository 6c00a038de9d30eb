from __future__ import annotations

from shopmind_common.identity import (
    CALLER_HEADER,
    SIGNATURE_HEADER,
    Caller,
    sign_caller,
    verify_caller,
)


def test_signed_caller_round_trips() -> None:
    caller = Caller(subject="key:ci", scopes=frozenset({"nlp:read"}), kind="api_key")
    headers = sign_caller(caller, "secret", now=1000)
    got = verify_caller(headers[CALLER_HEADER], headers[SIGNATURE_HEADER], "secret", now=1010)
    assert got == caller
    assert got.has("nlp:read") and not got.has("nlp:write")


def test_forged_or_stale_caller_is_rejected() -> None:
    headers = sign_caller(Caller(subject="a", scopes=frozenset({"admin"})), "secret", now=1000)
    value, sig = headers[CALLER_HEADER], headers[SIGNATURE_HEADER]
    assert verify_caller(value, sig, "other-secret", now=1000) is None
    assert verify_caller(value, "0" * 64, "secret", now=1000) is None
    assert verify_caller(value, sig, "secret", now=1000 + 3600) is None
    assert verify_caller(None, sig, "secret") is None
