"""XLSForm expressions in both directions: ``relevant`` ⇄ ``show_if`` and ``constraint`` ⇄ bounds.

Only a small, well-defined part of XPath is translated (see the README's XLSForm table);
everything else raises ExpressionError with a reason, so that the importer can refuse the cell.
This module is pure (no Flask, no database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .conditions import AllOf, Answered, AnyOf, Compare, Condition, Not, OneOf, parse_condition


class ExpressionError(ValueError):
    """An XLSForm expression outside the supported subset."""


@dataclass(frozen=True)
class Reference:
    """What the translation needs to know about an earlier question: its type and its choices
    (choice name → option code) when it is a select_one."""

    kind: str  # "scale", "number" or "text"
    codes: dict[str, int]


_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\$\{[^}]*\})|(?P<number>-?\d+(?:\.\d+)?)|(?P<string>'[^']*'|\"[^\"]*\")"
    r"|(?P<op>!=|>=|<=|=|>|<)|(?P<word>[A-Za-z_][A-Za-z0-9_-]*)|(?P<punct>[(),.]))"
)
_OPS = {"=": "==", "!=": "!=", ">=": ">=", "<=": "<=", ">": ">", "<": "<"}


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position, text = [], 0, text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read '{text[position:].strip()[:20]}'")
        tokens.append((match.lastgroup or "", match.group(match.lastgroup or "")))
        position = match.end()
    return tokens


class _RelevantParser:
    """Recursive descent over the supported relevant subset, producing show_if text."""

    def __init__(self, text: str, references: dict[str, Reference]):
        self.tokens = _tokens(text)
        self.at = 0
        self.references = references

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            found = f"'{token[1]}'" if token else "the end"
            raise ExpressionError(f"expected {value or kind}, found {found}")
        self.at += 1
        return token[1]

    def is_next(self, kind: str, value: str | None = None) -> bool:
        token = self.peek()
        return token is not None and token[0] == kind and (value is None or token[1] == value)

    def parse(self) -> str:
        text, _ = self.expression()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected '{self.peek()[1]}'")
        return text

    def expression(self) -> tuple[str, bool]:
        return self._joined("or", self.conjunct)

    def conjunct(self) -> tuple[str, bool]:
        return self._joined("and", self.unary)

    def _joined(self, word, operand) -> tuple[str, bool]:
        parts = [operand()]
        while self.is_next("word", word):
            self.at += 1
            parts.append(operand())
        if len(parts) == 1:
            return parts[0]
        return f" {word} ".join(f"({t})" if compound else t for t, compound in parts), True

    def unary(self) -> tuple[str, bool]:
        if self.is_next("punct", "("):
            self.at += 1
            inner, compound = self.expression()
            self.take("punct", ")")
            return inner, compound
        if self.is_next("word", "not"):
            self.at += 1
            self.take("punct", "(")
            inner, compound = self.expression()
            self.take("punct", ")")
            return (f"not ({inner})" if compound else f"not {inner}"), False
        if self.is_next("word", "selected"):
            return self.selected(), False
        if self.is_next("word", "string-length"):
            return self.string_length(), False
        if self.is_next("ref"):
            return self.comparison(), False
        token = self.peek()
        found = f"'{token[1]}'" if token else "the end"
        raise ExpressionError(f"{found} is not supported here")

    def reference(self) -> tuple[str, Reference]:
        raw = self.take("ref")
        name = raw[2:-1].strip()
        if name not in self.references:
            raise ExpressionError(f"${{{name}}} is not an earlier question")
        return name, self.references[name]

    def selected(self) -> str:
        self.take("word", "selected")
        self.take("punct", "(")
        name, ref = self.reference()
        self.take("punct", ",")
        value = self.value()
        self.take("punct", ")")
        if ref.kind != "scale":
            raise ExpressionError(f"selected() needs a select_one question; ${{{name}}} is not")
        return f"{name} == {self._code(name, ref, value)}"

    def string_length(self) -> str:
        self.take("word", "string-length")
        self.take("punct", "(")
        name, _ = self.reference()
        self.take("punct", ")")
        op = self.take("op")
        value = self.take("number")
        if (op, value) in ((">", "0"), ("!=", "0"), (">=", "1")):
            return f"answered({name})"
        if (op, value) in (("=", "0"), ("<", "1"), ("<=", "0")):
            return f"unanswered({name})"
        raise ExpressionError("string-length() is only supported as '> 0' or '= 0'")

    def value(self) -> str:
        if self.is_next("string"):
            return self.take("string")[1:-1]
        if self.is_next("number"):
            return self.take("number")
        token = self.peek()
        raise ExpressionError(f"expected a value, found {f'{token[1]!r}' if token else 'the end'}")

    def _code(self, name: str, ref: Reference, value: str) -> int:
        if value not in ref.codes:
            known = ", ".join(ref.codes)
            raise ExpressionError(f"'{value}' is not a choice of ${{{name}}} (choices: {known})")
        return ref.codes[value]

    def comparison(self) -> str:
        name, ref = self.reference()
        op = _OPS[self.take("op")]
        quoted = self.is_next("string")
        value = self.value()
        if quoted and value == "":
            if op == "!=":
                return f"answered({name})"
            if op == "==":
                return f"unanswered({name})"
            raise ExpressionError("an empty string can only be compared with = or !=")
        if ref.kind == "text":
            raise ExpressionError(f"${{{name}}} is a text question: only '' comparisons work")
        if ref.kind == "scale":
            if op not in ("==", "!=") and not _codes_are_names(ref):
                raise ExpressionError(f"{op} needs numeric choice names on ${{{name}}}")
            return f"{name} {op} {self._code(name, ref, value)}"
        if quoted:
            raise ExpressionError(f"${{{name}}} is a number question: compare with a number")
        return f"{name} {op} {value}"


def _codes_are_names(ref: Reference) -> bool:
    return all(name == str(code) for name, code in ref.codes.items())


def relevant_to_show_if(text: str, references: dict[str, Reference]) -> str:
    """The show_if condition for an XLSForm ``relevant`` expression; ExpressionError if it is
    outside the supported subset or names an unknown question or choice."""
    result = _RelevantParser(text, references).parse()
    parse_condition(result)  # the result must be valid in our own language
    return result


def show_if_to_relevant(text: str, names: dict[str, dict[int, str]]) -> str:
    """The XLSForm ``relevant`` expression for a show_if condition. ``names`` maps each scale
    item to its option codes' choice names (other items are absent)."""
    return _relevant(parse_condition(text), names)


def _relevant(node: Condition, names: dict[str, dict[int, str]]) -> str:
    if isinstance(node, Compare):
        op = "=" if node.op == "==" else node.op
        if node.item in names:
            choice = names[node.item].get(int(node.number), str(node.number))
            value = choice if choice.isdigit() else f"'{choice}'"
            return f"${{{node.item}}} {op} {value}"
        return f"${{{node.item}}} {op} {node.number}"
    if isinstance(node, OneOf):
        parts = [_relevant(Compare(node.item, "==", n), names) for n in node.numbers]
        return f"({' or '.join(parts)})" if len(parts) > 1 else parts[0]
    if isinstance(node, Answered):
        return f"${{{node.item}}} {'=' if node.negated else '!='} ''"
    if isinstance(node, Not):
        return f"not({_relevant(node.operand, names)})"
    word = " and " if isinstance(node, AllOf) else " or "
    assert isinstance(node, AllOf | AnyOf)
    return word.join(
        f"({_relevant(o, names)})" if isinstance(o, AllOf | AnyOf) else _relevant(o, names)
        for o in node.operands
    )


_BOUND = re.compile(r"^\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)$")
_LENGTH = re.compile(r"^string-length\(\s*\.\s*\)\s*<=\s*(\d+)$")


def constraint_to_bounds(text: str) -> tuple[Decimal | None, Decimal | None]:
    """(min, max) from a number constraint such as ``. >= 0 and . <= 52``."""
    low = high = None
    for part in re.split(r"\s+and\s+", text.strip()):
        match = _BOUND.match(part.strip())
        if match is None:
            raise ExpressionError(
                f"'{part.strip()}' is not a range; write '. >= MIN', '. <= MAX' or both with 'and'"
            )
        try:
            value = Decimal(match.group(2))
        except InvalidOperation as exc:  # pragma: no cover - the pattern allows only numbers
            raise ExpressionError(f"'{match.group(2)}' is not a number") from exc
        if match.group(1) == ">=":
            if low is not None:
                raise ExpressionError("two lower bounds")
            low = value
        else:
            if high is not None:
                raise ExpressionError("two upper bounds")
            high = value
    return low, high


def bounds_to_constraint(low: Decimal | None, high: Decimal | None) -> str:
    """The XLSForm constraint for a number range (empty when unbounded)."""
    parts = ([f". >= {low}"] if low is not None else []) + (
        [f". <= {high}"] if high is not None else []
    )
    return " and ".join(parts)


def constraint_to_max_length(text: str) -> int:
    """The longest text allowed by ``string-length(.) <= N``."""
    match = _LENGTH.match(text.strip())
    if match is None:
        raise ExpressionError("a text constraint must read 'string-length(.) <= N'")
    return int(match.group(1))
