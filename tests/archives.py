"""Zip archives built in memory for tests, hostile ones included."""

from __future__ import annotations

import io
import stat
import zipfile


def zip_of(*members: tuple[zipfile.ZipInfo | str, bytes]) -> bytes:
    """A deflated zip of (name or ZipInfo, data) members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return buffer.getvalue()


def symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    """A member that is a symbolic link to `target`."""
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()
