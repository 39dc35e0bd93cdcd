"""No widget parses text that is not a literal of ours as markup.

The code of the app is walked (ast): every `notify(...)`, `Static(...)`, `Label(...)`,
`Button(...)` and `.update(...)` must render a string literal, a `Content`/`Text` built on
purpose (`safe_content`, `safe_text`, `Content(...)`, `Text.assemble(...)`...), or pass
`markup=False`. An f-string or a variable holding a server's message, handed to a widget with
markup on, is a crash waiting for a `[/b]` (and a clickable `[link=...]`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "tui"
UI_MODULES = sorted(
    [*ROOT.glob("*.py"), *(ROOT / "screens").rglob("*.py"), *(ROOT / "widgets").rglob("*.py")]
)
RENDERING_CALLS = {"notify", "Static", "Label", "Button", "update"}
# Builders of rich content: their result is never parsed as markup.
SAFE_BUILDERS = {"Content", "Text", "styled", "assemble", "safe_content", "safe_text"}
SAFE_TYPES = ("Content", "Text")


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _content_functions() -> set[str]:
    """Functions of the app declared to return `Content` or `Text`."""
    names = set()
    for path in UI_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.returns
                and ast.unparse(node.returns).strip("'\"").endswith(SAFE_TYPES)
            ):
                names.add(node.name)
    return names


class Checker:
    """Judges the rendered argument of each call, with the enclosing function for names."""

    def __init__(self, builders: set[str]) -> None:
        self.builders = builders

    def safe(self, node: ast.expr | None, scope: ast.AST | None) -> bool:
        if node is None:
            return True
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str) or node.value is None
        if isinstance(node, ast.Call):
            return _name(node.func) in self.builders
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, scope) and self.safe(node.orelse, scope)
        if isinstance(node, ast.BoolOp):
            return all(self.safe(value, scope) for value in node.values)
        if isinstance(node, ast.Name) and scope is not None:
            return self._safe_name(node.id, scope)
        return False

    def _safe_name(self, name: str, scope: ast.AST) -> bool:
        """A parameter annotated Content/Text, or a name only ever assigned safe values."""
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg in [*scope.args.args, *scope.args.kwonlyargs]:
                if arg.arg == name and arg.annotation is not None:
                    return ast.unparse(arg.annotation).strip("'\"").endswith(SAFE_TYPES)
        values = [
            node.value
            for node in ast.walk(scope)
            if isinstance(node, (ast.Assign, ast.AnnAssign))
            and node.value is not None
            and any(
                isinstance(target, ast.Name) and target.id == name
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            )
        ]
        return bool(values) and all(self.safe(value, None) for value in values)


def _calls(tree: ast.AST) -> Iterator[tuple[ast.Call, ast.AST | None]]:
    """Every call with the function it sits in."""

    def visit(node: ast.AST, scope: ast.AST | None) -> Iterator[tuple[ast.Call, ast.AST | None]]:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope
            if isinstance(child, ast.Call):
                yield child, scope
            yield from visit(child, inner)

    yield from visit(tree, None)


def markup_risks(source: str, filename: str, builders: set[str] | None = None) -> list[str]:
    """`file:line: call` for each rendering call that may parse outside text as markup."""
    checker = Checker(SAFE_BUILDERS | (builders or set()))
    risks = []
    for call, scope in _calls(ast.parse(source)):
        name = _name(call.func)
        if name not in RENDERING_CALLS:
            continue
        if name == "update" and (len(call.args) != 1 or not isinstance(call.func, ast.Attribute)):
            continue  # not a widget's update(content)
        keywords = {keyword.arg: keyword.value for keyword in call.keywords}
        markup = keywords.get("markup")
        if isinstance(markup, ast.Constant) and markup.value is False:
            continue
        rendered = call.args[0] if call.args else keywords.get("content", keywords.get("label"))
        if not checker.safe(rendered, scope):
            risks.append(f"{filename}:{call.lineno}: {ast.unparse(call)[:100]}")
    return risks


def test_no_widget_renders_outside_text_as_markup() -> None:
    builders = _content_functions()
    risks = [
        risk
        for path in UI_MODULES
        for risk in markup_risks(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), builders
        )
    ]
    assert risks == [], "\n".join(["markup on for text that is not a literal:", *risks])
    assert builders, "no function returning Content found: the walk is broken"


@pytest.mark.parametrize(
    "code",
    [
        "self.notify(f'Saved {path}')",
        "self.notify(message)",
        "yield Static(title)",
        "yield Label(f'Promotion {pid}')",
        "yield Button(name)",
        "def show(self, text: str):\n    self.update(text)",
        "def show(self, error):\n    line = f'failed: {error}'\n    self.update(line)",
        "widget.update(str(error))",
        "widget.update(text if ok else 'none')",
    ],
)
def test_the_walk_finds_markup_risks(code: str) -> None:
    assert markup_risks(code, "example.py"), code


@pytest.mark.parametrize(
    "code",
    [
        "self.notify('Saved')",
        "self.notify(f'Saved {path}', markup=False)",
        "yield Static(title, markup=False)",
        "yield Static(id='x')",
        "yield Label(Content(f'Promotion {pid}'))",
        "def show(self, text: str):\n    self.update(safe_content(text))",
        "def show(self, content: Content):\n    self.update(content)",
        "def show(self, error):\n    line = Content.styled(str(error), '$error')\n"
        "    self.update(line)",
        "widget.update(Text.assemble('a', (name, 'bold')))",
        "mapping.update(a=1)",
    ],
)
def test_the_walk_accepts_inert_rendering(code: str) -> None:
    assert not markup_risks(code, "example.py"), code
