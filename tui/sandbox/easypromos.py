"""Easypromos REST API v2 routes (under /v2), as /work/shared/API.md describes them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sandbox import credentials as cr
from tui.sandbox.catalog import COLLECTIONS
from tui.sandbox.data import Record, summarize
from tui.sandbox.paging import ORDERS
from tui.sandbox.state import InsufficientCoins, Page, SandboxState

PREFIX = "/v2"


@dataclass(frozen=True)
class Token:
    account: str
    excluded: frozenset[int] = frozenset()


TOKENS = {
    cr.DEMO_TOKEN: Token(cr.DEMO_ACCOUNT),
    cr.SCOPED_TOKEN: Token(cr.DEMO_ACCOUNT, frozenset({cr.LOCKED_PROMOTION_ID})),
    cr.OTHER_ACCOUNT_TOKEN: Token(cr.OTHER_ACCOUNT),
}
_STATUSES = ("all", "draft", "active", "expired")


class ApiError(Exception):
    """An error answer: 400 bodies carry the API's `code`, others only a message."""

    def __init__(self, status: int, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code

    def response(self) -> Response:
        body: dict[str, Any] = {"message": self.message}
        if self.code is not None:
            body = {"code": self.code, "message": self.message}
        return JSONResponse(body, status_code=self.status)


def bad_request(code: int, message: str) -> ApiError:
    return ApiError(400, message, code)


def collection_body(items: list[Record], next_cursor: int | None) -> dict[str, Any]:
    paging: dict[str, Any] = {"items_page": len(items)}
    if next_cursor is not None:
        paging = {"next_cursor": next_cursor, "items_page": len(items)}
    return {"items": items, "paging": paging}


def _int_param(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) <= 0:
        raise bad_request(0, f"{name} must be a positive integer")
    return int(value)


def _listing(request: Request) -> tuple[bool, int | None]:
    """(descending, cursor) from the query string."""
    order = request.query_params.get("order", "created_desc")
    if order not in ORDERS:
        raise bad_request(0, f"order must be one of {', '.join(ORDERS)}")
    return order == "created_desc", _int_param(
        request.query_params.get("next_cursor"), "next_cursor"
    )


Handler = Callable[[Request, Token], Awaitable[Response]]


class EasypromosApi:
    """The routes of one sandbox; every call is authenticated, counted and scope-checked."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        wrap = self._guarded
        return [
            Route(f"{PREFIX}/organizing_brands", wrap(self.brands)),
            Route(f"{PREFIX}/promotions", wrap(self.promotions)),
            Route(f"{PREFIX}/promotions/{{pid}}", wrap(self.promotion)),
            Route(f"{PREFIX}/users/{{pid}}/{{uid}}", wrap(self.user)),
            Route(f"{PREFIX}/coin_transactions/{{pid}}/{{uid}}", wrap(self.user_transactions)),
            Route(f"{PREFIX}/coin_transactions/{{pid}}", wrap(self.post_coins), methods=["POST"]),
            Route(f"{PREFIX}/{{collection}}/{{pid}}", wrap(self.collection)),
        ]

    def _guarded(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                token = self._authenticate(request)
                return await handler(request, token)
            except ApiError as error:
                return error.response()
            except ClientDisconnect:  # gone before its body arrived: nothing is done
                return Response(status_code=499)

        return endpoint

    def _authenticate(self, request: Request) -> Token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = TOKENS.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise ApiError(401, "Unauthorized: no valid access token")
        if not self.state.limiter.admit(token.account):
            raise ApiError(429, "Too many requests")
        return token

    def _promotion_id(self, request: Request, token: Token) -> int:
        raw = request.path_params["pid"]
        pid = int(raw) if raw.isdigit() else -1
        if pid in token.excluded:
            raise ApiError(403, "Forbidden: the access token does not include this promotion")
        if self.state.dataset.account_of(pid) != token.account:
            raise ApiError(404, "Promotion not found")
        return pid

    # ----- account level -----------------------------------------------------------------------
    async def brands(self, request: Request, token: Token) -> Response:
        descending, cursor = _listing(request)
        page = self.state.page_of_records(self.state.brands(token.account), descending, cursor)
        return JSONResponse(collection_body(*page))

    async def promotions(self, request: Request, token: Token) -> Response:
        descending, cursor = _listing(request)
        status = request.query_params.get("status", "all")
        if status not in _STATUSES:
            raise bad_request(0, f"status must be one of {', '.join(_STATUSES)}")
        records = self.state.promotions(token.account, None if status == "all" else status)
        items, next_cursor = self.state.page_of_records(records, descending, cursor)
        return JSONResponse(
            collection_body([summarize("promotions", r) for r in items], next_cursor)
        )

    async def promotion(self, request: Request, token: Token) -> Response:
        return JSONResponse(self.state.promotion(self._promotion_id(request, token)))

    # ----- per promotion -----------------------------------------------------------------------
    async def collection(self, request: Request, token: Token) -> Response:
        collection = request.path_params["collection"]
        if collection not in COLLECTIONS:
            raise ApiError(404, "Resource not found")
        pid = self._promotion_id(request, token)
        descending, cursor = _listing(request)
        if collection == "ranking":
            descending = False  # a ranking reads from the first position
        items, next_cursor = self.state.page(pid, collection, descending, cursor, brief=True)
        full = request.query_params.get("format") == "full"
        shaped = [self._list_item(pid, collection, item, full) for item in items]
        return JSONResponse(collection_body(shaped, next_cursor))

    def _list_item(self, pid: int, collection: str, record: Record, full: bool) -> Record:
        item = summarize(collection, record)
        dataset = self.state.dataset
        if collection == "prizes":
            item["user"] = self._user_of(pid, record)
        elif collection == "participations" and full:
            item["user"] = self._user_of(pid, record)
            index = dataset.index_of(pid, "participations", record["id"])
            prize_index = dataset.prize_index_of_participation(pid, index)
            item["prize"] = (
                None if prize_index is None else dataset.record(pid, "prizes", prize_index)
            )
            item["requirement"] = (
                {"type": "code", "code": f"CODE{record['id'] % 100000:05d}", "data": None}
                if record["id"] % 4 == 0
                else None
            )
        return item

    def _user_of(self, pid: int, record: Record) -> Record:
        dataset = self.state.dataset
        return dataset.user_summary(pid, dataset.index_of(pid, "users", int(record["user_id"])))

    def _user_id(self, request: Request, pid: int) -> int:
        raw = request.path_params["uid"]
        uid = int(raw) if raw.isdigit() else -1
        if self.state.user_index(pid, uid) is None:
            raise ApiError(404, "User not found")
        return uid

    async def user(self, request: Request, token: Token) -> Response:
        pid = self._promotion_id(request, token)
        return JSONResponse(self.state.find(pid, "users", self._user_id(request, pid)))

    async def user_transactions(self, request: Request, token: Token) -> Response:
        pid = self._promotion_id(request, token)
        uid = self._user_id(request, pid)
        descending, cursor = _listing(request)
        page: Page = self.state.user_transactions(pid, uid, descending, cursor)
        return JSONResponse(collection_body(*page))

    async def post_coins(self, request: Request, token: Token) -> Response:
        pid = self._promotion_id(request, token)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ApiError(415, "Unsupported Media Type: Content-Type must be application/json")
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise bad_request(50, "Content-Type is not valid JSON") from None
        user_ref, amount, concept = _coin_fields(body)
        status = self.state.dataset.specs[pid].status
        if status == "draft":
            raise bad_request(41, "Promotion is not activated")
        if status != "active":
            raise bad_request(42, "Promotion is not open")
        user_index = self.state.user_index(pid, user_ref)
        if user_index is None:
            raise ApiError(404, "User not found")
        try:
            record = self.state.post_coins(pid, user_index, amount, concept)
        except InsufficientCoins as exc:
            raise bad_request(0, f"Not enough coins: {exc}") from None
        return JSONResponse(record["transaction"])


def _coin_fields(body: Any) -> tuple[int, int, str]:
    """(user id, amount, concept) of a coin POST body, or a 400 code 0."""
    if not isinstance(body, dict):
        raise bad_request(0, "The body must be a JSON object")
    user_id = body.get("user_id")
    if isinstance(user_id, str) and user_id.isdigit():
        user_id = int(user_id)
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise bad_request(0, "user_id is required")
    amount = body.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise bad_request(0, "amount must be a non-zero integer")
    concept = body.get("concept", "")
    if not isinstance(concept, str) or len(concept) > 255:
        raise bad_request(0, "concept must be a text of at most 255 characters")
    return user_id, amount, concept
