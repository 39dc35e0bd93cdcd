"""Models load anything the API may send: ids as int or string, several date forms, odd data."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tui.api.models import Affiliate, CoinTransaction, EzepoList, Model, to_datetime

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-04-08T12:52:36+00:00", datetime(2022, 4, 8, 12, 52, 36, tzinfo=UTC)),
        ("2022-04-08T12:52:36Z", datetime(2022, 4, 8, 12, 52, 36, tzinfo=UTC)),
        ("2022-04-08T14:52:36+02:00", datetime(2022, 4, 8, 12, 52, 36, tzinfo=UTC)),
        ("2022-04-08 12:52:36", datetime(2022, 4, 8, 12, 52, 36, tzinfo=UTC)),
        ("2022-04-08T12:52:36.1Z", datetime(2022, 4, 8, 12, 52, 36, 100000, tzinfo=UTC)),
        ("2022-04-08", datetime(2022, 4, 8, tzinfo=UTC)),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        ("0000-00-00 00:00:00", None),
        ("yesterday", None),
        ("", None),
        (None, None),
        ({"a": 1}, None),
    ],
)
def test_dates_become_aware_utc(text: object, expected: datetime | None) -> None:
    assert to_datetime(text) == expected


@pytest.mark.parametrize("raw", [None, [], "text", 3, {"id": {"x": 1}, "created": []}])
@pytest.mark.parametrize("model", [CoinTransaction, EzepoList, Affiliate])
def test_odd_data_never_crashes(model: type[Model], raw: object) -> None:
    assert model.from_raw(raw).raw is not None


def test_coin_transaction_unwraps_list_items() -> None:
    item = {"transaction": {"id": 5, "amount": "10", "reason": "Bonus", "new": 1}, "user": {}}
    tx = CoinTransaction.from_raw(item)
    assert (tx.id, tx.amount, tx.label, tx.raw) == ("5", 10, "Bonus", item)
    assert CoinTransaction.from_raw({"id": 12.0, "amount": -2.5, "concept": "c"}).id == "12"
    assert CoinTransaction.from_raw({"amount": -2.5, "concept": "c", "reason": "r"}).label == "c"


def test_ezepo_models() -> None:
    admin = EzepoList.from_raw(
        {"listid": "1", "active": "Y", "count": "1000", "last_upload": "03/04/2020"}
    )
    assert (admin.active, admin.count, admin.last_upload) == (True, 1000, date(2020, 3, 4))
    affiliate_view = EzepoList.from_raw({"listid": 2, "active": "N", "last_upload": "00/00/0000"})
    assert (affiliate_view.active, affiliate_view.count, affiliate_view.last_upload) == (
        False,
        None,
        None,
    )
    key = "affiliate-key-canary-0123"
    affiliate = Affiliate.from_raw({"affid": 1, "affiliate_key": key, "name": "A"})
    assert affiliate.affiliate_key is not None and affiliate.affiliate_key.reveal() == key
    assert key not in repr(affiliate) and key not in repr(affiliate.raw)
