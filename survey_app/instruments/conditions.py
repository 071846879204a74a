"""The routing language of ``show_if``: parse, check against a questionnaire, evaluate.

A condition is a small expression over the answers to earlier items::

    brug_fleksibelt_tilbud != 1
    tjek_1 == 1 and not tjek_2 in (2, 3)
    varighed >= 6 or answered(begrundelse)

Grammar (keywords are lower case; names are item keys)::

    expr       := conjunct ("or" conjunct)*
    conjunct   := negation ("and" negation)*
    negation   := "not" negation | atom
    atom       := "(" expr ")" | ("answered" | "unanswered") "(" NAME ")"
                | NAME OP NUMBER | NAME "in" "(" NUMBER ("," NUMBER)* ")"
    OP         := "==" | "!=" | ">=" | "<=" | ">" | "<"

Semantics: a comparison is true only when the item has a substantive answer (an option code or
a number) that satisfies it; an item answered "Ved ikke", left unanswered or itself hidden makes
every comparison on it false, ``!=`` included. ``answered(x)`` is true when x has a substantive
answer (for a text item: any text). The text is parsed by hand into a tree; it is never passed
to ``eval``.

This module is pure (no Flask, no database).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:  # pragma: no cover
    from ..questionnaire_schema import Item, Questionnaire

COMPARISONS = ("==", "!=", ">=", "<=", ">", "<")
KEYWORDS = ("and", "or", "not", "in", "answered", "unanswered")
MAX_LENGTH = 500

_TOKEN = re.compile(
    r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[a-z][a-z0-9_]*)"
    r"|(?P<op>==|!=|>=|<=|>|<)|(?P<punct>[(),]))"
)


class ConditionError(ValueError):
    """A condition cannot be parsed or does not fit its questionnaire."""


@dataclass(frozen=True)
class Compare:
    """``item OP number``."""

    item: str
    op: str
    number: Decimal


@dataclass(frozen=True)
class OneOf:
    """``item in (n1, n2, ...)``."""

    item: str
    numbers: tuple[Decimal, ...]


@dataclass(frozen=True)
class Answered:
    """``answered(item)``, or ``unanswered(item)`` when ``negated``."""

    item: str
    negated: bool = False


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Condition


@dataclass(frozen=True)
class AllOf:
    """``a and b and ...``."""

    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    """``a or b or ...``."""

    operands: tuple[Condition, ...]


Condition = Union[Compare, OneOf, Answered, Not, AllOf, AnyOf]  # noqa: UP007 (recursive alias)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            shown = text[position:].lstrip()[:20]
            raise ConditionError(f"cannot read '{shown}' (at character {position + 1})")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            wanted = f"'{value}'" if value else {"name": "an item key", "number": "a number"}[kind]
            found = f"'{token[1]}'" if token else "the end"
            raise ConditionError(f"expected {wanted}, found {found}")
        self.at += 1
        return token[1]

    def is_next(self, kind: str, value: str) -> bool:
        return self.peek() == (kind, value)

    def parse(self) -> Condition:
        condition = self.expression()
        if self.peek() is not None:
            raise ConditionError(f"unexpected '{self.peek()[1]}' after a complete condition")
        return condition

    def expression(self) -> Condition:
        operands = [self.conjunct()]
        while self.is_next("name", "or"):
            self.at += 1
            operands.append(self.conjunct())
        return operands[0] if len(operands) == 1 else AnyOf(tuple(operands))

    def conjunct(self) -> Condition:
        operands = [self.negation()]
        while self.is_next("name", "and"):
            self.at += 1
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else AllOf(tuple(operands))

    def negation(self) -> Condition:
        if self.is_next("name", "not"):
            self.at += 1
            return Not(self.negation())
        return self.atom()

    def atom(self) -> Condition:
        if self.is_next("punct", "("):
            self.at += 1
            inner = self.expression()
            self.take("punct", ")")
            return inner
        name = self.take("name")
        if name in ("answered", "unanswered"):
            self.take("punct", "(")
            item = self.item_name()
            self.take("punct", ")")
            return Answered(item, negated=name == "unanswered")
        if name in KEYWORDS:
            raise ConditionError(f"'{name}' cannot start a comparison; expected an item key")
        if self.is_next("name", "in"):
            self.at += 1
            self.take("punct", "(")
            numbers = [self.number()]
            while self.is_next("punct", ","):
                self.at += 1
                numbers.append(self.number())
            self.take("punct", ")")
            return OneOf(name, tuple(numbers))
        token = self.peek()
        if token is None or token[0] != "op":
            found = f"'{token[1]}'" if token else "the end"
            raise ConditionError(
                f"expected a comparison (==, !=, >=, <=, >, <, in) after '{name}', found {found}"
            )
        self.at += 1
        return Compare(name, token[1], self.number())

    def item_name(self) -> str:
        name = self.take("name")
        if name in KEYWORDS:
            raise ConditionError(f"'{name}' is a keyword, not an item key")
        return name

    def number(self) -> Decimal:
        return Decimal(self.take("number"))


def parse_condition(text: str) -> Condition:
    """Parse a ``show_if`` text into a condition tree; raise ConditionError saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("a condition cannot be empty")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"a condition is at most {MAX_LENGTH} characters")
    try:
        return _Parser(text).parse()
    except InvalidOperation as exc:  # pragma: no cover - the token pattern admits only numbers
        raise ConditionError("a number cannot be read") from exc


def referenced_items(condition: Condition) -> list[str]:
    """The item keys a condition reads, in order of first mention."""
    found: list[str] = []

    def walk(node: Condition) -> None:
        if isinstance(node, Compare | OneOf | Answered):
            if node.item not in found:
                found.append(node.item)
        elif isinstance(node, Not):
            walk(node.operand)
        else:
            for operand in node.operands:
                walk(operand)

    walk(condition)
    return found


def _literal_errors(node: Condition, items: Mapping[str, Item], q: Questionnaire) -> list[str]:
    if isinstance(node, Not):
        return _literal_errors(node.operand, items, q)
    if isinstance(node, AllOf | AnyOf):
        return [e for operand in node.operands for e in _literal_errors(operand, items, q)]
    if isinstance(node, Answered):
        return []
    item = items[node.item]
    numbers = node.numbers if isinstance(node, OneOf) else (node.number,)
    if item.type == "text":
        return [f"'{item.key}' is an open text item: only answered()/unanswered() can test it"]
    if item.type == "number":
        return []
    scale = next((s for s in q.scales if s.key == item.scale), None)
    if scale is None or not scale.options:
        return []  # the item's own scale error is reported where the scale is named
    codes = [option.code for option in scale.options]
    wrong = [n for n in numbers if n != n.to_integral_value() or int(n) not in codes]
    return [
        f"'{n}' is not an option code of '{item.key}' (codes {codes[0]}–{codes[-1]})" for n in wrong
    ]


def condition_errors(q: Questionnaire, index: int) -> list[str]:
    """What is wrong with item ``index``'s ``show_if`` in ``q`` (empty when it is fine).

    A condition may only read items that come before its own item, so routing can never form a
    cycle; naming the item itself or a later item is refused as such.
    """
    item = q.items[index]
    if item.show_if is None:
        return []
    try:
        condition = parse_condition(item.show_if)
    except ConditionError as exc:
        return [str(exc)]
    positions = {other.key: i for i, other in enumerate(q.items)}
    errors: list[str] = []
    for name in referenced_items(condition):
        if name == item.key:
            errors.append(f"refers to its own item '{name}' (a cycle)")
        elif name not in positions:
            errors.append(f"unknown item '{name}'")
        elif positions[name] > index:
            errors.append(
                f"refers to the later item '{name}'; a condition may only use earlier items "
                "(otherwise routing could form a cycle)"
            )
    if errors:
        return errors
    return _literal_errors(condition, {i.key: i for i in q.items}, q)


def _substantive(value: Any) -> Decimal | str | None:
    """An answer as conditions see it: a number, a text, or None when not substantive."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return None


def evaluate(
    condition: Condition, answers: Mapping[str, Any], texts: frozenset[str] = frozenset()
) -> bool:
    """Whether ``condition`` holds for ``answers`` (item key -> option code, number or text).

    Missing codes (strings such as ``ved_ikke``) and absent items are not substantive. ``texts``
    names the text items, whose string answers count as answered.
    """
    if isinstance(condition, Not):
        return not evaluate(condition.operand, answers, texts)
    if isinstance(condition, AllOf):
        return all(evaluate(operand, answers, texts) for operand in condition.operands)
    if isinstance(condition, AnyOf):
        return any(evaluate(operand, answers, texts) for operand in condition.operands)
    raw = answers.get(condition.item)
    if isinstance(condition, Answered):
        has_answer = (
            isinstance(raw, str) and raw.strip() != ""
            if condition.item in texts
            else _substantive(raw) is not None
        )
        return has_answer != condition.negated
    value = _substantive(raw)
    if value is None:
        return False
    if isinstance(condition, OneOf):
        return value in condition.numbers
    return _COMPARE[condition.op](value, condition.number)


_COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}


def visible_item_keys(q: Questionnaire, answers: Mapping[str, Any]) -> list[str]:
    """The keys of the items shown for ``answers``, in order.

    Items are decided front to back, and an answer to a hidden item is ignored by the items
    after it, so a stale answer left in a form can never open a route.
    """
    texts = frozenset(i.key for i in q.items if i.type == "text")
    seen: dict[str, Any] = {}
    shown: list[str] = []
    for item in q.items:
        if item.show_if is None or evaluate(parse_condition(item.show_if), seen, texts):
            shown.append(item.key)
            if item.key in answers:
                seen[item.key] = answers[item.key]
    return shown


def as_json(condition: Condition) -> Any:
    """The condition as plain JSON data, for the script that shows and hides items live."""
    if isinstance(condition, Compare):
        return {"op": condition.op, "item": condition.item, "value": float(condition.number)}
    if isinstance(condition, OneOf):
        return {"op": "in", "item": condition.item, "values": [float(n) for n in condition.numbers]}
    if isinstance(condition, Answered):
        return {"op": "unanswered" if condition.negated else "answered", "item": condition.item}
    if isinstance(condition, Not):
        return {"op": "not", "operand": as_json(condition.operand)}
    kind = "and" if isinstance(condition, AllOf) else "or"
    return {"op": kind, "operands": [as_json(operand) for operand in condition.operands]}
