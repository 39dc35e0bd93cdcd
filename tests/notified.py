"""The notifications an app shows, read in one place.

Textual keeps them in the private `App._notifications` and has no public reader: a Textual
upgrade that changes it breaks this function only (and every test that reads toasts says so)."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.notifications import Notification


def notifications(app: App[Any]) -> list[Notification]:
    """The app's notifications not yet expired or dismissed, oldest first."""
    return list(app._notifications)


def notified(app: App[Any], text: str) -> bool:
    """Whether a notification shown now says `text`."""
    return any(text in note.message for note in notifications(app))
