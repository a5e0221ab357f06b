"""How a syntax error of the text form is told: the line and column, what was expected, what was found.

``line 3, column 14: expected ';', '.' or '(', found '!'``: terminals by what a person would call them,
the punctuation first, and when the parser would accept too many things to list (after a name inside an
expression, any operator), only the punctuation and "an operator".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import TerminalDef

#: The grammar's words (its _WORD terminals, and the words of EVENT, QUALIFIER and ON_TIMEOUT): a name
#: spelled like one is printed quoted.
WORDS = frozenset({"atomic", "order", "reward", "cost", "feature", "if", "elif", "else", "lambda", "or", "and",
                   "not", "in", "is", "true", "false", "null", "for", "message", "approval", "action_result", "timer",
                   "ontology", "protocol", "continue", "fail"})

_FRIENDLY = {
    "KEY": "a name", "NAME": "a name", "LABEL": "a label", "VAR": "a variable (Capitalized)",
    "STRING": "a string", "NUMBER": "a number", "INT": "a whole number", "PERFORMATIVE": "a performative",
    "ACTION": "an action name", "ERROR": "an error code",
    "EVENT": "message, approval, action_result, timer or protocol",
    "QUALIFIER": "ontology or protocol", "ON_TIMEOUT": "continue or fail", "COMP_OP": "a comparison",
    "INTERNAL": "an internal action", "ATTR": "an attribute", "$END": "the end of the text",
}
#: Shown first, and alone when the parser would accept too many things to list.
_STRUCTURAL = ("';'", "'.'", "','", "')'", "']'", "'}'", "'<-'", "':'", "'('")


def where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def _display(names: Any, terminals: dict[str, TerminalDef]) -> list[str]:
    shown = set()
    for name in names:
        terminal = terminals.get(name)
        if name in _FRIENDLY:
            shown.add(_FRIENDLY[name])
        elif name.startswith("_") and name[1:].lower() in WORDS:
            shown.add(f"'{name[1:].lower()}'")
        elif terminal is not None and terminal.pattern.type == "str":
            shown.add(f"'{terminal.pattern.value}'")
        else:
            shown.add(name.lower())
    first = [item for item in _STRUCTURAL if item in shown]
    rest = sorted(shown - set(first))
    if len(first) + len(rest) > 8:
        return [*first, "an operator"] if first else ["an expression"]
    return first + rest


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def syntax_message(text: str, exc: UnexpectedInput, terminals: Iterable[TerminalDef]) -> tuple[int, str]:
    """Where the text goes wrong, and what the parser expected there instead, in words."""
    # LALR merges the lookaheads of states it shares (a name in a trigger and in a step); asking the
    # parser which tokens it would really take here gives the true list.
    interactive = getattr(exc, "interactive_parser", None)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = exc.expected
        found = "the end of the text" if token.type == "$END" else repr(str(token))
        pos = len(text) if token.type == "$END" else token.start_pos
    elif isinstance(exc, UnexpectedCharacters):  # no token of the language starts with this character
        return exc.pos_in_stream, f"unexpected character {text[exc.pos_in_stream]!r}"
    else:
        expected = getattr(exc, "expected", set())
        pos, found = len(text), "the end of the text"
    if interactive is not None:
        expected = interactive.accepts() or expected
    shown = _display(set(expected) - {"$END"} or expected, {terminal.name: terminal for terminal in terminals})
    return pos, f"expected {_or(shown)}, found {found}" if shown else f"unexpected {found}"
