"""The new-list form (admin): list id, name, optional type and format, validated inline."""

from __future__ import annotations

import re

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Button, Input, Label, Select, Static

from tui.api.models import ListFormat, ListType
from tui.ezepo_session import EzepoSession
from tui.widgets.ezepo.base import ErrorLine, EzepoPane
from tui.widgets.ezepo.choices import FORMATS, LIST_TYPES
from tui.widgets.ezepo.form_field import FormField, rule
from tui.widgets.ezepo.messages import ListCreated
from tui.widgets.safe_text import clean

LISTID = re.compile(r"[0-9]{1,12}")
NAME_MAX = 200
QUEUE_HINT = "Without both a type and a format the list waits in Ezepo's New List Queue."


def is_listid(value: str) -> bool:
    return LISTID.fullmatch(value.strip()) is not None


def is_name(value: str) -> bool:
    value = value.strip()
    return bool(value) and len(value) <= NAME_MAX and clean(value) == value


class NewListForm(EzepoPane):
    """Creates a list with `/api/newlist/`; Enter in a field or the button submits."""

    def __init__(self, ezepo: EzepoSession, *, id: str | None = None) -> None:
        super().__init__(ezepo, id=id)
        self.listid_field = FormField(
            "List id",
            Input(
                id="new-listid",
                validators=[rule(is_listid, "A list id is a number of 1-12 digits")],
            ),
        )
        self.name_field = FormField(
            "Name",
            Input(
                id="new-name",
                validators=[rule(is_name, f"A name of 1-{NAME_MAX} printable characters")],
            ),
        )

    def compose(self) -> ComposeResult:
        yield self.listid_field
        yield self.name_field
        with Grid(id="new-options", classes="form-grid"):
            yield Label("Type")
            yield Select(LIST_TYPES, prompt="(none)", id="new-type")
            yield Label("Format")
            yield Select(FORMATS, prompt="(none)", id="new-format")
        yield Static(QUEUE_HINT, id="new-hint", markup=False)
        yield Button("Create list", id="new-create", variant="primary")
        yield ErrorLine()

    def _valid(self) -> bool:
        valid = all([self.listid_field.check(), self.name_field.check()])
        if valid and any(item.listid == self.listid_field.value for item in self.lists):
            self.listid_field.show_error(f"A list with id {self.listid_field.value} already exists")
            valid = False
        return valid

    @on(Button.Pressed, "#new-create")
    @on(Input.Submitted)
    def submit(self) -> None:
        if self._valid():
            list_type: ListType | None = self.query_one("#new-type", Select).selection
            list_format: ListFormat | None = self.query_one("#new-format", Select).selection
            self.create(self.listid_field.value, self.name_field.value, list_type, list_format)
        else:
            self.report("Fix the marked fields first.")

    @work(exclusive=True, group="new-list")
    async def create(
        self, listid: str, name: str, list_type: ListType | None, list_format: ListFormat | None
    ) -> None:
        async with self.failure("Creating the list"):
            await self.ezepo.new_list(listid, name, list_type=list_type, list_format=list_format)
            queued = " (waiting in the New List Queue)" if not (list_type and list_format) else ""
            self.notify(clean(f"List {listid} created{queued}"), markup=False)
            self.listid_field.input.value = ""
            self.name_field.input.value = ""
            self.post_message(ListCreated(listid))
