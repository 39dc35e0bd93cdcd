"""Pure units: error mapping and texts, the journal's file and matching."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tui.api.errors import (
    API_ERROR_SENTENCES,
    ApiError,
    AuthError,
    BadResponse,
    NotFound,
    NotUtf8,
    RateLimited,
    ScopeError,
    ServerError,
    UnsupportedMediaType,
)
from tui.api.journal import REFERENCE_SPACE, EntryState, Journal, JournalEntry, find_match
from tui.api.models import CoinTransaction
from tui.api.transport import (
    EASYPROMOS,
    EZEPO,
    RepeatedBodies,
    checked_json,
    json_body,
    status_error,
)

URL = "http://api.test/v2/users/1?next_cursor=5&key=secret-key-123"


def response(
    status: int, body: bytes | None = None, ctype: str = "application/json"
) -> httpx.Response:
    return httpx.Response(
        status,
        content=body or b"{}",
        headers={"content-type": ctype},
        request=httpx.Request("GET", URL),
    )


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthError),
        (403, ScopeError),
        (404, NotFound),
        (409, ApiError),
        (415, UnsupportedMediaType),
        (429, RateLimited),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_statuses_map_to_typed_errors(status: int, error: type[Exception]) -> None:
    found = status_error(response(status), EASYPROMOS)
    assert isinstance(found, error)
    assert "GET /v2/users/1" in str(found) and "next_cursor" not in str(found)
    assert "secret-key-123" not in str(found)


def test_every_documented_code_has_a_sentence() -> None:
    assert set(API_ERROR_SENTENCES) == {0, 10, 20, 30, 31, 32, *range(40, 52), 60, 61}
    error = status_error(
        response(400, b'{"code": "42", "message": "Promotion is not open"}'), EASYPROMOS
    )
    assert isinstance(error, ApiError) and error.code == 42
    assert str(error) == (
        "Easypromos refused GET /v2/users/1: The promotion is not open. "
        "(code 42: Promotion is not open)"
    )
    denied = b'{"error": "Access denied. Please check your API Key and try again."}'
    assert "Access denied" in str(status_error(response(401, denied), EZEPO))


@pytest.mark.parametrize(
    ("body", "ctype", "message"),
    [
        (b"<!DOCTYPE html><html>502</html>", "text/html", "HTML page"),
        (b"<html>", "application/json", "HTML page"),
        (b'{"items": [1, 2', "application/json", "not valid JSON"),
        (b"\xff\xfe", "application/json", "not valid JSON"),  # a UTF-16 mark, then nothing
    ],
)
def test_bad_bodies(body: bytes, ctype: str, message: str) -> None:
    with pytest.raises(BadResponse, match=message):
        json_body(response(200, body, ctype), EASYPROMOS)
    assert checked_json(response(200, b"[1]"), EASYPROMOS) == [1]


BAD_UTF8 = b'{"items": [{"id": "1", "nickname": "Jos\xe9"}, {"id": "2", "nickname": "Ana"}]}'


def test_bytes_that_are_not_utf8_are_an_error_unless_taken_leniently() -> None:
    with pytest.raises(NotUtf8, match=r"GET /v2/users/1 with bytes that are not UTF-8"):
        json_body(response(200, BAD_UTF8), EASYPROMOS)
    data = json_body(response(200, BAD_UTF8), EASYPROMOS, lenient=True)
    assert [item["nickname"] for item in data["items"]] == ["Jos\ufffd", "Ana"]


def test_only_the_same_bad_bytes_on_the_last_attempt_are_taken() -> None:
    warnings: list[str] = []
    bodies = RepeatedBodies(3, warnings.append)
    other = BAD_UTF8.replace(b"Ana", b"Ann")
    for body in (BAD_UTF8, other):  # different bytes: a transfer mangles them, retry
        with pytest.raises(NotUtf8):
            bodies.checked_json(response(200, body), EASYPROMOS)
    data = bodies.checked_json(response(200, other), EASYPROMOS)  # the same again, the last try
    assert data["items"][0]["nickname"] == "Jos\ufffd"
    assert warnings == [
        "Easypromos answered GET /v2/users/1 with the same bytes that are not UTF-8 3 times in "
        "a row; they are shown as \ufffd."
    ]
    early = RepeatedBodies(3, warnings.append)
    for _ in range(2):  # the same bytes twice, attempts left: retried all the same
        with pytest.raises(NotUtf8):
            early.checked_json(response(200, BAD_UTF8), EASYPROMOS)


def entry_of(
    journal: Journal, amount: int = 5, concept: str = "Bonus", *, reference: bool = True
) -> JournalEntry:
    return journal.record_intent(
        account="http://api.test/v2",
        promotion_id="1",
        user_id="2",
        amount=amount,
        concept=concept,
        reference=reference,
    )


def tx(tid: str, amount: int, reason: str, created: datetime) -> CoinTransaction:
    return CoinTransaction.from_raw(
        {
            "transaction": {
                "id": tid,
                "amount": amount,
                "reason": reason,
                "created": created.isoformat(),
            }
        }
    )


def test_journal_keeps_the_last_state_and_skips_torn_lines(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    first = entry_of(journal)
    second = entry_of(journal)
    journal.mark(first, EntryState.APPLIED, transaction_id="9")
    with journal.path.open("a") as handle:
        handle.write('{"id": "torn", "sta')
    states = {e.id: e.state for e in Journal(journal.path).entries()}
    assert states == {first.id: EntryState.APPLIED, second.id: EntryState.INTENT}
    assert [e.id for e in journal.pending()] == [second.id]
    assert journal.claimed_transaction_ids(second) == {"9"}
    assert journal.claimed_transaction_ids(journal.mark(first, EntryState.APPLIED)) == set()


def test_a_reference_matches_its_own_transaction_only(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    entry = entry_of(journal)
    now = entry.created_at
    assert entry.posted_concept == f"Bonus · ref {entry.reference}"
    assert len(entry.posted_concept) - len("Bonus") == REFERENCE_SPACE
    colleague = tx("1", 5, "Bonus", now + timedelta(seconds=1))  # identical, but not ours
    longer = tx("2", 5, f"Bonus · ref {entry.reference}X", now)
    other = tx("3", 5, f"Bonus · ref {entry_of(journal).reference}", now)
    assert find_match(entry, [colleague, longer, other], set()) is None
    # The server may trim or re-punctuate the concept: the reference token is what counts,
    # even long after the intent and when another entry claimed it by mistake.
    ours = tx("4", 5, f"Bonus - ref {entry.reference}", now + timedelta(days=2))
    assert find_match(entry, [colleague, longer, other, ours], {"4"}) == ours


def test_references_differ_and_avoid_ambiguous_letters(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    references = {entry_of(journal).reference for _ in range(200)}
    assert len(references) == 200
    assert all(len(ref) == 5 and not set(ref) & set("01OILU") for ref in references)
    assert entry_of(journal, reference=False).posted_concept == "Bonus"


def test_the_journal_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    journal = Journal(folder / "j.jsonl")
    entry_of(journal)
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    journal.path.chmod(0o644)  # e.g. written by an older version
    entry_of(journal)
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600


def test_matching_amount_concept_time_and_claims(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    entry = entry_of(journal, reference=False)
    now = entry.created_at
    old = tx("1", 5, "Bonus", now - timedelta(days=1))
    other_amount = tx("2", 6, "Bonus", now)
    other_concept = tx("3", 5, "Shop", now)
    claimed = tx("4", 5, "Bonus", now + timedelta(seconds=1))
    ours = tx("5", 5, " Bonus ", now + timedelta(seconds=2))
    candidates = [old, other_amount, other_concept, claimed, ours]
    assert find_match(entry, candidates, {"4"}) == ours
    assert find_match(entry, candidates, {"4", "5"}) is None
    assert find_match(entry, [tx("6", 5, "Bonus", now - timedelta(seconds=30))], set()) is not None
