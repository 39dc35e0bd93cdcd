"""`promo-tui cache info|clear`: what is listed, and that clearing leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui import paths
from tui.cli import main
from tui.store import Store

URL = "https://api.easypromosapp.com/v2"


def fill(profile: str = "default") -> Path:
    with Store.open(profile, URL, ["11"]) as store:
        store.write_page(
            "users",
            1001,
            [{"id": str(n), "email": f"person{n}@secret.test"} for n in range(50)],
        )
        store.write_page("users", 2002, [{"id": "7", "email": "other@keep.test"}])
        store.write_page("promotions", None, [{"id": "1001", "title": "Summer"}])
        store.mark_refreshed("users", 1001, complete=True)
        assert store.path is not None
        return store.path


def disk(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_info_lists_promotions_and_collections(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache", "info"]) == 0
    assert "empty" in capsys.readouterr().out
    path = fill()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(path) in out and URL in out and "brands 11" in out
    assert "promotion 1001" in out and "50 records" in out and "just now" in out
    assert "account" in out and "promotions" in out and "(incomplete)" in out
    assert main(["cache", "info", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (entry,) = data["files"]
    assert {(c["promotion_id"], c["collection"], c["records"]) for c in entry["collections"]} == {
        ("1001", "users", 50),
        ("2002", "users", 1),
        (None, "promotions", 1),
    }


def test_clear_one_promotion_scrubs_its_data(capsys: pytest.CaptureFixture[str]) -> None:
    path = fill()
    assert b"person7@secret.test" in disk(path)
    assert main(["cache", "clear", "1001"]) == 0
    assert "deleted 50 cached records of promotion 1001" in capsys.readouterr().err
    assert b"secret.test" not in disk(path)
    assert b"other@keep.test" in disk(path)
    with Store.open("default", URL, ["11"]) as store:
        assert store.count("users", 1001) == 0 and store.count("users", 2002) == 1


def test_clear_all_deletes_the_profiles_files(capsys: pytest.CaptureFixture[str]) -> None:
    fill()
    other = fill("work")
    aside = paths.cache_dir() / "default--0123456789abcdef.sqlite3.corrupt-1"
    aside.write_bytes(b"damaged")
    assert main(["cache", "info"]) == 0
    assert "damaged copy" in capsys.readouterr().out
    assert main(["cache", "clear"]) == 0
    assert "deleted 52 cached records of profile 'default'" in capsys.readouterr().err
    assert sorted(p.name for p in paths.cache_dir().iterdir()) == sorted(
        p.name for p in other.parent.glob(other.name + "*")
    )


def test_clear_rejects_a_bad_promotion_id(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["cache", "clear", "12ab"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err  # one line, as every subcommand's bad input
    assert (
        err
        == "promo-tui cache clear: argument PROMOTION_ID: not a numeric id: '12ab' (see --help)\n"
    )
