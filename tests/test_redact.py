"""Secrets never show: reprs, URLs, bearer headers and log records are masked."""

from __future__ import annotations

import io
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


@pytest.mark.parametrize("name", ["tui.api.transport", "httpcore.connection", "some.library"])
def test_every_logger_is_redacted_even_through_a_handler_added_later(name: str) -> None:
    """Child loggers' records do not pass their ancestors' logger filters; a handler added after
    start-up has no filter at all: the redaction must hold for both."""
    install_log_redaction()
    Secret("late-handler-canary-31")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logger = logging.getLogger(name)
    logger.addHandler(handler)  # added after start-up, on the child itself
    root_stream = io.StringIO()
    root_handler = logging.StreamHandler(root_stream)
    logging.getLogger().addHandler(root_handler)  # and on the root, reached by propagation
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        logger.info("token %s in %s", "late-handler-canary-31", "http://h/x?key=abc123&y=1")
        try:
            raise RuntimeError("failed with Bearer late-handler-canary-31")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
        logging.getLogger().removeHandler(root_handler)
        logger.setLevel(level)
    for text in (stream.getvalue(), root_stream.getvalue()):
        assert "late-handler-canary-31" not in text
        assert "abc123" not in text
        assert f"token {MASK} in http://h/x?key={MASK}&y=1" in text
        assert "RuntimeError" in text  # the traceback is kept, masked


def test_a_record_whose_arguments_do_not_fit_is_still_logged() -> None:
    install_log_redaction()
    stream = io.StringIO()
    logger = logging.getLogger("tui.test.unformattable")
    logger.addHandler(logging.StreamHandler(stream))
    logger.setLevel(logging.INFO)
    try:
        logger.info("two %s %s", "only-one")
    finally:
        logger.handlers.clear()
    assert "unformattable arguments" in stream.getvalue()


def test_a_record_keeps_its_arguments_for_formatters_that_read_them() -> None:
    """uvicorn's access formatter unpacks a record's arguments: they stay a tuple, each masked
    when it shows a secret, numbers left as numbers."""
    install_log_redaction()
    Secret("args-canary-5150")
    make = logging.getLogRecordFactory()
    fmt = '%s - "%s %s HTTP/%s" %d'
    plain = make(
        "uvicorn.access", logging.INFO, __file__, 1, fmt, ("c", "GET", "/v2/x", "1.1", 200), None
    )
    assert plain.args == ("c", "GET", "/v2/x", "1.1", 200)
    path = "/api/test/?key=args-canary-5150"
    secret = make(
        "uvicorn.access", logging.INFO, __file__, 1, fmt, ("c", "GET", path, "1.1", 200), None
    )
    assert secret.args == ("c", "GET", f"/api/test/?key={MASK}", "1.1", 200)
    assert secret.getMessage() == f'c - "GET /api/test/?key={MASK} HTTP/1.1" 200'
