"""Count tables: how many answers each option got, per item, group and wave.

Every statistic in this package is computed from these counts, so the app can aggregate in
SQL (``GROUP BY item, municipality, wave, value, missing``) and hand the result over with
``CountTable.from_records``; the raw-row path builds the same table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from analysis.definitions import QuestionnaireDef
from analysis.reading import MISSING_CODES, ExportError, ExportRow

ALL_GROUP = "alle"
# A cell holds the missing codes' counts first (in the order of MISSING_CODES), then codes 1..n.
_FIRST_CODE = len(MISSING_CODES)


@dataclass(frozen=True)
class OptionCounts:
    """Counts per option code (``counts[0]`` is code 1) plus the non-substantive answers,
    which are shown apart and never enter a statistic."""

    counts: tuple[int, ...]
    ved_ikke: int = 0
    ubesvaret: int = 0
    ikke_relevant: int = 0

    @property
    def n(self) -> int:
        """The number of substantive answers."""
        return sum(self.counts)

    def values(self) -> list[int]:
        """The substantive answers as a sorted list of codes (for checks against raw data)."""
        return [code for code, c in enumerate(self.counts, start=1) for _ in range(c)]


class CountTable:
    """Answer counts keyed by (item, group, wave): option codes and missing codes."""

    def __init__(self) -> None:
        # per key: [ved_ikke, ubesvaret, ikke_relevant, count of code 1, count of code 2, ...]
        self._cells: dict[tuple[str, str, str], list[int]] = {}

    def add(
        self,
        item: str,
        group: str,
        wave: str,
        value: int | None = None,
        missing: str = "",
        count: int = 1,
    ) -> None:
        """Add ``count`` answers: option code ``value`` or, with value None, a missing code."""
        if count < 0:
            raise ValueError(f"a count cannot be negative ({count})")
        cell = self._cells.get((item, group, wave))
        if cell is None:
            cell = self._cells[(item, group, wave)] = [0] * _FIRST_CODE
        if value is None:
            if missing not in MISSING_CODES:
                raise ValueError(f"no option code and no missing code for {item!r}")
            cell[MISSING_CODES.index(missing)] += count
            return
        if missing:
            raise ValueError(f"both an option code and a missing code for {item!r}")
        if value < 1:
            raise ValueError(f"option codes start at 1 (got {value} for {item!r})")
        if len(cell) < value + _FIRST_CODE:
            cell.extend([0] * (value + _FIRST_CODE - len(cell)))
        cell[value + _FIRST_CODE - 1] += count

    @classmethod
    def from_records(
        cls, records: Iterable[tuple[str, str, str, int | None, str | None, int]]
    ) -> CountTable:
        """Build from aggregated rows ``(item, group, wave, value, missing, count)``, e.g. the
        result of ``SELECT item, municipality, wave, value, missing, count(*) ... GROUP BY``.
        ``value`` is None for missing answers; ``missing`` None or '' for substantive ones."""
        table = cls()
        for item, group, wave, value, missing, count in records:
            table.add(item, group, wave or "", value, missing or "", int(count))
        return table

    def records(self) -> Iterator[tuple[str, str, str, int | None, str, int]]:
        """The non-zero cells as ``(item, group, wave, value, missing, count)`` records."""
        for (item, group, wave), cell in self._cells.items():
            for kind, count in zip(MISSING_CODES, cell[:_FIRST_CODE], strict=True):
                if count:
                    yield item, group, wave, None, kind, count
            for code, count in enumerate(cell[_FIRST_CODE:], start=1):
                if count:
                    yield item, group, wave, code, "", count

    def get(self, item: str, group: str, wave: str, n_options: int | None = None) -> OptionCounts:
        """The counts of one cell, padded to ``n_options`` codes (zeros if the cell is absent)."""
        cell = self._cells.get((item, group, wave), [0] * _FIRST_CODE)
        counts = list(cell[_FIRST_CODE:])
        if n_options is not None:
            if any(counts[n_options:]):
                raise ValueError(
                    f"item {item!r} has answers with codes above {n_options}, its number of options"
                )
            counts = (counts + [0] * n_options)[:n_options]
        return OptionCounts(tuple(counts), *cell[:_FIRST_CODE])

    def items(self) -> list[str]:
        """The items present, in first-seen order."""
        return list(dict.fromkeys(k[0] for k in self._cells))

    def groups(self) -> list[str]:
        """The groups present: ``alle`` first, then the others sorted."""
        groups = {k[1] for k in self._cells}
        return sorted(groups, key=lambda g: (g != ALL_GROUP, g))

    def waves(self) -> list[str]:
        """The waves present, sorted."""
        return sorted({k[2] for k in self._cells})

    def with_total(self, name: str = ALL_GROUP) -> CountTable:
        """A copy with group ``name`` added as the sum over all other groups."""
        if any(k[1] == name for k in self._cells):
            raise ValueError(f"the table already has a group called {name!r}")
        total = CountTable()
        for (item, group, wave), cell in self._cells.items():
            for key in ((item, group, wave), (item, name, wave)):
                target = total._cells.setdefault(key, [0] * len(cell))
                if len(target) < len(cell):
                    target.extend([0] * (len(cell) - len(target)))
                for i, count in enumerate(cell):
                    target[i] += count
        return total

    def only_group(self, name: str) -> CountTable:
        """A copy holding only group ``name``."""
        table = CountTable()
        table._cells = {k: list(v) for k, v in self._cells.items() if k[1] == name}
        return table


def checked_rows(
    rows: Iterable[ExportRow], definitions: dict[int, QuestionnaireDef], source: str = "export"
) -> Iterator[ExportRow]:
    """Pass rows through, stopping with the row and column named at an unknown version or
    item, or at a code outside the item's scale (``definitions`` by version). Rows of open
    (text and number) items pass through as they are."""
    n_options: dict[tuple[int, str], int | None] = {}
    for row in rows:
        key = (row.version, row.item)
        if key not in n_options:
            n_options[key] = _option_limit(definitions, row, source)
        limit = n_options[key]
        if limit is None:
            if row.value is not None:
                raise ExportError(
                    source, row.row, "value",
                    f"item '{row.item}' is open (text or number), not an option code; "
                    "read the export with its definitions",
                )  # fmt: skip
        elif row.value is not None and row.value > limit:
            raise ExportError(
                source, row.row, "value",
                f"{row.value} is not an option of item '{row.item}' (codes 1-{limit})",
            )  # fmt: skip
        yield row


def count_table_from_rows(
    rows: Iterable[ExportRow],
    definitions: dict[int, QuestionnaireDef] | None = None,
    source: str = "export",
) -> CountTable:
    """Count export rows per (item, municipality, wave). With ``definitions`` (by version),
    an unknown item or a code outside the item's scale stops with the row and column named.
    Open items are no categories and are not counted (``analysis texts`` lists them)."""
    table = CountTable()
    add = table.add
    open_keys = set()
    if definitions is not None:
        rows = checked_rows(rows, definitions, source)
        open_keys = {(v, i.key) for v, d in definitions.items() for i in d.open_items}
    for row in rows:
        if row.text or (row.version, row.item) in open_keys:
            continue
        add(row.item, row.municipality, row.wave, row.value, row.missing)
    return table


def _option_limit(
    definitions: dict[int, QuestionnaireDef], row: ExportRow, source: str
) -> int | None:
    """The number of options of the row's item; None for an open item."""
    definition = definitions.get(row.version)
    if definition is None:
        known = ", ".join(str(v) for v in sorted(definitions))
        raise ExportError(
            source, row.row, "version", f"no definition of version {row.version} (have {known})"
        )
    item = definition.item(row.item)
    if item is None:
        if definition.open_item(row.item) is not None:
            return None
        raise ExportError(
            source, row.row, "item",
            f"'{row.item}' is not an item of {definition.key} version {definition.version}",
        )  # fmt: skip
    return item.n_options
