"""An Ezepo list fetch as one cancellable operation: job -> poll -> streamed zip -> safe extraction.

The zip is streamed to a temporary file beside its destination and renamed when complete (never
held in memory). Extraction checks every member before writing any: no absolute paths, no `..`,
no links or special files, caps on member count, total size and compression ratio; while writing
it counts real bytes, so a zip that lies about its sizes is stopped too.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from tui.api.errors import BadResponse, JobFailed, NetworkError, ServerError, UnsafeArchive
from tui.api.models import ListFormat
from tui.api.retry import with_retries

if TYPE_CHECKING:
    from tui.api.ezepo import EzepoClient

COMPLETE = frozenset({"complete", "completed"})
FAILED = frozenset({"failed", "error", "cancelled", "canceled", "expired"})
TRANSIENT = (NetworkError, ServerError, BadResponse)
CHUNK = 1 << 16


class Phase(str, Enum):
    REQUESTING = "requesting"
    WAITING = "waiting"
    DOWNLOADING = "downloading"
    EXTRACTING = "extracting"
    DONE = "done"


@dataclass(frozen=True)
class FetchProgress:
    """Reported at each step: `next_poll_at` is a time.time() while waiting for the job."""

    phase: Phase
    elapsed: float
    jobid: str | None = None
    status: str | None = None
    next_poll_at: float | None = None
    bytes_downloaded: int = 0
    poll_failures: int = 0


@dataclass(frozen=True)
class FetchResult:
    """The extracted folder, its files, the number of addresses or hashes, and their kind."""

    path: Path
    files: list[Path]
    count: int
    kind: ListFormat
    jobid: str
    archive: Path


@dataclass(frozen=True)
class ExtractLimits:
    max_members: int = 1_000
    max_total_bytes: int = 8 << 30
    max_ratio: float = 200.0
    # Members smaller than this are not held to the ratio (tiny files compress oddly).
    ratio_floor_bytes: int = 1 << 20


@dataclass(frozen=True)
class PollPolicy:
    seconds: float = 30.0
    max_failures: int = 5  # consecutive failed status checks before giving up
    max_wait: float = 4 * 3600.0


async def run_fetch(
    client: EzepoClient,
    listid: str,
    kind: ListFormat,
    dest_dir: Path,
    *,
    poll_seconds: float = 30.0,
    on_progress: Callable[[FetchProgress], None] | None = None,
    limits: ExtractLimits | None = None,
    poll: PollPolicy | None = None,
) -> FetchResult:
    """Run the whole job; cancellable at every await, and a cancel leaves no partial file."""
    started = time.monotonic()
    policy = poll or PollPolicy(seconds=poll_seconds)

    def report(phase: Phase, **fields: Any) -> None:
        if on_progress is not None:
            on_progress(FetchProgress(phase, time.monotonic() - started, **fields))

    report(Phase.REQUESTING)
    jobid = await client.start_fetch(listid, kind)
    await _wait_for_job(client, jobid, policy, started, report)
    dest_dir.mkdir(parents=True, exist_ok=True)
    stem = f"ezepo-list-{_safe_name(listid)}-{_safe_name(jobid)}"
    archive = dest_dir / f"{stem}.zip"
    limits = limits or ExtractLimits()
    await with_retries(
        lambda: _download(client, jobid, archive, limits, report),
        client.retry,
        retryable=lambda exc: isinstance(exc, (NetworkError, ServerError)),
    )
    report(Phase.EXTRACTING, jobid=jobid)
    target = dest_dir / stem
    try:
        files = await asyncio.to_thread(safe_extract, archive, target, limits)
    except BadResponse:
        archive.unlink(missing_ok=True)  # refused: leave nothing a naive tool could unpack
        raise
    count = await asyncio.to_thread(count_lines, files)
    report(Phase.DONE, jobid=jobid)
    return FetchResult(target, files, count, kind, jobid, archive)


async def _wait_for_job(
    client: EzepoClient,
    jobid: str,
    policy: PollPolicy,
    started: float,
    report: Callable[..., None],
) -> None:
    failures = 0
    while True:
        status: str | None = None
        try:
            status = await client.job_status(jobid)
            failures = 0
        except TRANSIENT:
            failures += 1
            if failures > policy.max_failures:
                raise
        if status in COMPLETE:
            return
        if status in FAILED:
            raise JobFailed(f"Ezepo job {jobid} ended as {status!r}.")
        if time.monotonic() - started > policy.max_wait:
            raise JobFailed(f"Ezepo job {jobid} did not complete within {policy.max_wait:.0f} s.")
        report(
            Phase.WAITING,
            jobid=jobid,
            status=status,
            next_poll_at=time.time() + policy.seconds,
            poll_failures=failures,
        )
        await asyncio.sleep(policy.seconds)


async def _download(
    client: EzepoClient,
    jobid: str,
    archive: Path,
    limits: ExtractLimits,
    report: Callable[..., None],
) -> None:
    """Stream the zip to a temporary file beside `archive`, check it is a zip, rename it."""
    fd, part_name = tempfile.mkstemp(dir=archive.parent, prefix=".download-", suffix=".part")
    part = Path(part_name)
    try:
        written = 0
        with os.fdopen(fd, "wb") as handle:
            async with aclosing(client.download(jobid, CHUNK)) as chunks:
                async for chunk in chunks:
                    written += len(chunk)
                    if written > limits.max_total_bytes:
                        raise UnsafeArchive(f"The zip of job {jobid} exceeds the size cap.")
                    handle.write(chunk)
                    report(Phase.DOWNLOADING, jobid=jobid, bytes_downloaded=written)
        if not zipfile.is_zipfile(part):
            raise BadResponse(f"Ezepo's download for job {jobid} is not a zip archive.")
        os.replace(part, archive)
    finally:
        part.unlink(missing_ok=True)


def check_members(infos: list[zipfile.ZipInfo], limits: ExtractLimits) -> None:
    """Refuse the whole archive if any member could escape or any cap would be exceeded."""
    if len(infos) > limits.max_members:
        raise UnsafeArchive(f"The zip has {len(infos)} members (at most {limits.max_members}).")
    total = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if not parts or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            raise UnsafeArchive(f"The zip member {name!r} has an absolute path.")
        if ".." in parts:
            raise UnsafeArchive(f"The zip member {name!r} points outside its folder.")
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeArchive(f"The zip member {name!r} is a link or a special file.")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise UnsafeArchive(f"The zip expands beyond {limits.max_total_bytes} bytes.")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise UnsafeArchive(
                f"The zip member {name!r} is compressed {ratio:.0f} to 1 (a bomb?)."
            )


def safe_extract(archive: Path, target: Path, limits: ExtractLimits) -> list[Path]:
    """Extract into `target` (replaced when complete); returns the regular files written."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            check_members(infos, limits)
            staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".extract-"))
            try:
                names = _extract_members(zf, infos, staging, limits)
                shutil.rmtree(target, ignore_errors=True)
                os.replace(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except zipfile.BadZipFile as exc:
        raise BadResponse(f"The downloaded archive is not a valid zip ({exc}).") from None
    return [target / name for name in names]


def _extract_members(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], staging: Path, limits: ExtractLimits
) -> list[str]:
    names: list[str] = []
    total = 0
    for info in infos:
        relative = PurePosixPath(info.filename.replace("\\", "/"))
        destination = staging.joinpath(*relative.parts)
        if info.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with zf.open(info) as source, destination.open("wb") as sink:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                total += len(chunk)
                if written > info.file_size or total > limits.max_total_bytes:
                    raise UnsafeArchive(
                        f"The zip member {info.filename!r} is larger than declared."
                    )
                sink.write(chunk)
        names.append(relative.as_posix())
    return names


def count_lines(files: list[Path]) -> int:
    """Non-empty lines over all files: one address or hash each."""
    count = 0
    for path in files:
        with path.open("rb") as handle:
            count += sum(1 for line in handle if line.strip())
    return count


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:64] or "job"
