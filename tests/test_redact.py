"""Secrets never show: reprs, URLs, bearer headers and log records are masked."""

from __future__ import annotations

import logging

import pytest

from tui.redact import MASK, Secret, install_log_redaction, redact_text, redact_url


def test_secret_repr_and_str_are_masked() -> None:
    secret = Secret("canary-token-5f3a9")
    assert "canary" not in repr(secret)
    assert "canary" not in str(secret)
    assert "canary" not in f"{secret!r} {secret}"
    assert secret.reveal() == "canary-token-5f3a9"


def test_redact_text_masks_registered_values_with_a_fixed_width() -> None:
    Secret("short-secret-1")
    Secret("a-much-longer-secret-value-2")
    text = redact_text("x short-secret-1 y a-much-longer-secret-value-2 z")
    assert text == f"x {MASK} y {MASK} z"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://h/api/test/?key=abc123", f"http://h/api/test/?key={MASK}"),
        (
            "http://h/api/links/?affid=1&key=abc&src=1",
            f"http://h/api/links/?affid=1&key={MASK}&src=1",
        ),
        ("Authorization: Bearer tok.en-1", f"Authorization: Bearer {MASK}"),
    ],
)
def test_redact_url_and_headers(raw: str, expected: str) -> None:
    assert redact_url(raw) == expected


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    Secret("log-canary-77x")
    install_log_redaction()
    caplog.set_level(logging.INFO)
    logging.getLogger("httpx").info(
        'HTTP Request: GET %s "200 OK"', "http://h/api/?key=log-canary-77x"
    )
    assert "log-canary-77x" not in caplog.text
    assert f"key={MASK}" in caplog.text
