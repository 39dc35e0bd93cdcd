"""Typed errors of the API layer: each one's text is a sentence for a person.

No text ever carries a token, a key or a query string: messages name the method and the path
only, and every message passes through `redact_text` as a backstop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.redact import redact_text

if TYPE_CHECKING:
    from tui.api.journal import JournalEntry

# The 400 codes of the Easypromos seed, as sentences.
API_ERROR_SENTENCES: dict[int, str] = {
    0: "The request was refused; see the server's message.",
    10: "The user has no participations left.",
    20: "The User Login Token is missing or not valid.",
    30: "A requirement is missing or not supported by the API.",
    31: "The requirement's code is not valid.",
    32: "The requirement's code has already been used.",
    40: "The external id is missing or not valid.",
    41: "The promotion is not activated.",
    42: "The promotion is not open.",
    43: "Autologin is not enabled for this promotion.",
    44: "The promotion is not a White Label promotion.",
    45: "This nickname already exists.",
    46: "This domain is not authorised to call the API.",
    47: "The email address is not valid.",
    48: "The promotion is not valid.",
    49: "The promotion has expired.",
    50: "The request body is not valid JSON (Content-Type).",
    51: "The country code is not valid.",
    60: "There are no prizes left to spin the wheel.",
    61: "The segment does not exist in the account or is not valid for this promotion.",
}


class PromoTuiApiError(Exception):
    """Base of every error the API layer raises; `str()` is fit to show."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.message = redact_text(message)
        self.status = status
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class AuthError(PromoTuiApiError):
    """401: the token or key is missing, wrong or expired."""


class ScopeError(PromoTuiApiError):
    """403: the token may not reach this resource (its scope, or a plan without API)."""


class NotFound(PromoTuiApiError):
    """404: no such resource."""


class ApiError(PromoTuiApiError):
    """400 (or another 4xx) with the server's `{"code", "message"}`; `.human` is our sentence for
    the code."""

    def __init__(
        self, code: int | None, server_message: str, *, context: str = "", status: int = 400
    ) -> None:
        self.code = code
        self.server_message = redact_text(server_message)
        refused = "The request was refused."
        self.human = API_ERROR_SENTENCES.get(code, refused) if code is not None else refused
        parts = [f"code {code}"] if code is not None else []
        parts += [self.server_message] if self.server_message else []
        detail = f" ({': '.join(parts)})" if parts else ""
        super().__init__(f"{context}{self.human}{detail}", status=status)


class UnsupportedMediaType(PromoTuiApiError):
    """415: a POST without `Content-Type: application/json` (a bug on our side)."""


class RateLimited(PromoTuiApiError):
    """429 that would not clear: the account's budget stayed exhausted."""


class ServerError(PromoTuiApiError):
    """5xx after the retries allowed."""


class BadResponse(PromoTuiApiError):
    """The answer was not what the API documents: not JSON, truncated, an HTML page, a bad zip."""


class NotUtf8(BadResponse):
    """A body whose bytes are not UTF-8 (`.content`): retried, as a transfer may have mangled it."""

    def __init__(self, message: str, content: bytes) -> None:
        self.content = content
        super().__init__(message)


class UnsafeArchive(BadResponse):
    """A downloaded zip that would write outside its folder or expand beyond the caps."""


class NetworkError(PromoTuiApiError):
    """The server could not be reached or did not answer in time; `.sent` is False when the
    request provably never left (a connect error), so sending it again is safe."""

    def __init__(self, message: str, *, sent: bool = True) -> None:
        self.sent = sent
        super().__init__(message)


class AdminOnly(PromoTuiApiError):
    """An Ezepo call that needs an administrative key, refused before sending."""


class InvalidArgument(PromoTuiApiError, ValueError):
    """A value refused before sending (e.g. an Ezepo list format that does not exist)."""


class JournalUnavailable(PromoTuiApiError):
    """The coin journal cannot be written, so no coin transaction may be sent."""


class JobFailed(PromoTuiApiError):
    """An Ezepo fetch job ended in a state other than complete."""


class OutcomeUnknown(PromoTuiApiError):
    """A coin transaction that may or may not have been applied; `.entry` is its journal entry."""

    def __init__(self, entry: JournalEntry, reason: str) -> None:
        self.entry = entry
        super().__init__(
            f"The outcome of adding {entry.amount} coins to user {entry.user_id} of promotion "
            f"{entry.promotion_id} is unknown: {reason}. Do not send it again before checking the "
            f"user's transactions (journal entry {entry.id})."
        )
