"""Where exported records go: stdout, or a file that appears only when complete.

A file export writes raw records as JSON lines into a hidden partial file beside the target
(`.NAME.part`) and, after each page is on disk, the cursor of the next page into a side file
(`.NAME.part.json`, written atomically). The target appears by rename only once every page is
in: as is for JSONL, after a second pass to CSV otherwise. An interrupted export (Ctrl-C, a
failure, even SIGKILL) leaves both files; `--resume` cuts the partial back to the last page the
side file vouches for and continues from its cursor, so no record is missing or doubled.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from tui.commands import _csv
from tui.commands._common import UsageError, say
from tui.inert import json_text

STATE_VERSION = 1


def record_line(record: Mapping[str, Any]) -> str:
    """One record as a JSON line, as the API gave it (controls escaped, see `json_text`)."""
    return json_text(record, separators=(",", ":")) + "\n"


class Sink(Protocol):
    """Receives the export page by page."""

    records: int
    resume_cursor: str | None
    fetched_all: bool

    def write_page(self, items: Iterable[Mapping[str, Any]], cursor: str | None) -> None: ...

    def finish(self) -> None: ...

    def abort(self) -> None: ...


class StdoutSink:
    """JSONL straight to stdout; CSV through a temporary spool (the header needs every row)."""

    resume_cursor: str | None = None
    fetched_all = False

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.records = 0
        self._spool: IO[str] | None = None
        if fmt == "csv":
            self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def write_page(self, items: Iterable[Mapping[str, Any]], cursor: str | None) -> None:
        out = self._spool or sys.stdout
        lines = [record_line(item) for item in items]
        out.writelines(lines)
        out.flush()
        self.records += len(lines)

    def finish(self) -> None:
        if self._spool is not None:
            _csv.spool_to_csv(self._spool, sys.stdout)
            sys.stdout.flush()
        self.abort()

    def abort(self) -> None:
        if self._spool is not None:
            self._spool.close()


class FileSink:
    """An atomic, resumable export into `path` (see the module's docstring)."""

    def __init__(self, path: Path, fmt: str, params: Mapping[str, Any], *, resume: bool) -> None:
        self.path = path
        self.fmt = fmt
        self.params = dict(params)
        self.partial = path.with_name(f".{path.name}.part")
        self.state_path = path.with_name(f".{path.name}.part.json")
        self.records = 0
        self.resume_cursor: str | None = None
        self.fetched_all = False
        offset = self._load_state() if resume else 0
        flags = os.O_WRONLY | os.O_CREAT | (0 if offset else os.O_TRUNC)
        fd = os.open(self.partial, flags, 0o600)
        os.ftruncate(fd, offset)
        os.lseek(fd, offset, os.SEEK_SET)
        self._file = os.fdopen(fd, "wb")
        self._offset = offset

    def _load_state(self) -> int:
        """Pick up an interrupted export of the same data; the partial's committed length."""
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            say(f"promo-tui: nothing to resume for {self.path}; starting from the beginning")
            return 0
        except (OSError, ValueError):
            say(f"promo-tui: the resume state of {self.path} is unreadable; starting over")
            return 0
        if state.get("version") != STATE_VERSION or state.get("params") != self.params:
            raise UsageError(
                f"the interrupted export into {self.path} was made with other arguments "
                f"({_describe(state.get('params'))}); run without --resume to start over"
            )
        if not self.partial.exists() or self.partial.stat().st_size < int(state["offset"]):
            say(f"promo-tui: the partial file of {self.path} is incomplete; starting over")
            return 0
        self.records = int(state["records"])
        self.resume_cursor = state.get("cursor")
        self.fetched_all = bool(state.get("fetched_all"))
        say(f"promo-tui: resuming {self.path} after {self.records:,} records")
        return int(state["offset"])

    def write_page(self, items: Iterable[Mapping[str, Any]], cursor: str | None) -> None:
        """Append a page, hand it to the OS, then move the cursor past it.

        No fsync per page: a killed process loses nothing the OS has; a lost OS leaves a partial
        shorter than the side file says, and `--resume` then starts over.
        """
        data = "".join(record_line(item) for item in items).encode("utf-8")
        count = data.count(b"\n")
        self._file.write(data)
        self._file.flush()
        self._offset += len(data)
        self.records += count
        self._save_state(cursor, fetched_all=cursor is None)

    def _save_state(self, cursor: str | None, *, fetched_all: bool) -> None:
        state = {
            "version": STATE_VERSION,
            "params": self.params,
            "cursor": cursor,
            "records": self.records,
            "offset": self._offset,
            "fetched_all": fetched_all,
        }
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.state_path)

    def finish(self) -> None:
        """Every page is in: make the target appear, whole, in one rename."""
        self._save_state(None, fetched_all=True)
        os.fsync(self._file.fileno())
        self._file.close()
        if self.fmt == "jsonl":
            os.replace(self.partial, self.path)
        else:
            self._write_csv()
            self.partial.unlink()
        self.state_path.unlink(missing_ok=True)

    def _write_csv(self) -> None:
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with (
                os.fdopen(fd, "w", encoding="utf-8", newline="") as out,
                self.partial.open(encoding="utf-8") as spool,
            ):
                _csv.spool_to_csv(spool, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)

    def abort(self) -> None:
        """Stop: keep what was fetched for `--resume`, or leave nothing when nothing was."""
        with contextlib.suppress(OSError):
            self._file.close()
        if self.records == 0:
            self.partial.unlink(missing_ok=True)
            self.state_path.unlink(missing_ok=True)
            return
        say(
            f"promo-tui: {self.records:,} records kept in {self.partial}; run the same command "
            "with --resume to continue"
        )


def _describe(params: object) -> str:
    if not isinstance(params, dict):
        return "unknown"
    return ", ".join(f"{key}={value}" for key, value in params.items() if value is not None)
