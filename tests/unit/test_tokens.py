"""The one token shape: what the issuer makes is what the verifier and the QR claim accept."""

from __future__ import annotations

from ecert.vocab.tokens import is_token, new_token, normalise_token


def test_new_tokens_have_the_shape_and_differ() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200 and all(is_token(t) and len(t) == 24 for t in tokens)


def test_normalise_token_accepts_what_people_type_and_nothing_else() -> None:
    token = new_token()
    assert normalise_token(f" {token.lower()}\n") == token
    for junk in ("", token[:-1], token + "A", token.replace(token[0], "1"), "../../etc", "é" * 24, token + "\x00"):
        assert normalise_token(junk) is None and not is_token(junk)
    assert not is_token(token.lower())  # the canonical shape is upper case
