"""Wave comparison and progression for the survey exports; pure (no Flask, no database).

Everything is computed from count tables, so the app can aggregate in SQL and hand counts
over; the export-file path builds the same tables. Start with:

- ``CountTable.from_records`` / ``compare_counts`` / ``distributions`` for wave comparison,
- ``ProgressionCounts`` / ``progression_from_counts`` / ``citizen_trajectory`` for progression,
- ``analysis.plots`` for figures, ``python -m analysis`` for the command line.

Conventions every p-value follows:

- Two-sided exact p-values (Mann-Whitney up to 20 answers per wave, Wilcoxon signed-rank up
  to 50 non-zero differences) are 2 x the smaller tail of the permutation distribution
  conditional on the observed ties, capped at 1: p = min(1, 2 min(P(T <= t), P(T >= t))).
  This is the rule of R's ``wilcox.test`` (``exact = TRUE``), applied to the tie-conditional
  distribution. R's coin (``wilcox_test(..., distribution = "exact")``) by default uses
  P(|T - E T| >= |t - E T|) instead; the two differ when ties make the distribution
  asymmetric. Larger samples use the normal approximation with tie correction.
- Constant data give p = 1: when every answer in both waves is the same option (Mann-Whitney,
  Fisher) or no citizen's score changed (Wilcoxon, zero differences dropped), the statistic
  cannot vary under permutation. Brunner-Munzel is then undefined (None, with the reason).
- Multiple testing: one rule, Benjamini-Hochberg (as R's ``p.adjust(p, "BH")``) within each
  group. Comparison adjusts over the questionnaire's items; progression over the group's
  domain scores, and separately over its single items. Tests not computed (``too_few``,
  ``nominal``, ``not_comparable``) do not count.
- ``status`` is exactly one of ``ok``, ``too_few``, ``nominal``, ``not_comparable``; the
  words are in ``note``.
"""

from analysis.compare import Comparison, compare_counts, compare_item
from analysis.counts import ALL_GROUP, CountTable, OptionCounts, count_table_from_rows
from analysis.definitions import (
    DefinitionError,
    QuestionnaireDef,
    definition_from_mapping,
    load_definitions,
    merge_versions,
)
from analysis.distributions import Distribution, describe_counts, distributions
from analysis.effects import (
    benjamini_hochberg,
    brunner_munzel_counts,
    cliffs_delta_counts,
    share_difference,
    yes_no_counts,
)
from analysis.mannwhitney import exact_u_distribution, mann_whitney_counts
from analysis.pipeline import compare_export, compare_rows, progression_export, progression_rows
from analysis.progression import (
    Progression,
    ProgressionCounts,
    citizen_occasions,
    citizen_trajectory,
    occasion_lines,
    progression_counts_from_occasions,
    progression_from_counts,
    progression_from_pairs,
)
from analysis.reading import ExportError, ExportRow, iter_export, read_export
from analysis.wilcoxon import wilcoxon_counts

__all__ = [
    "ALL_GROUP",
    "Comparison",
    "CountTable",
    "DefinitionError",
    "Distribution",
    "ExportError",
    "ExportRow",
    "OptionCounts",
    "Progression",
    "ProgressionCounts",
    "QuestionnaireDef",
    "benjamini_hochberg",
    "brunner_munzel_counts",
    "citizen_occasions",
    "citizen_trajectory",
    "cliffs_delta_counts",
    "compare_counts",
    "compare_export",
    "compare_item",
    "compare_rows",
    "count_table_from_rows",
    "definition_from_mapping",
    "describe_counts",
    "distributions",
    "exact_u_distribution",
    "iter_export",
    "load_definitions",
    "mann_whitney_counts",
    "merge_versions",
    "occasion_lines",
    "progression_counts_from_occasions",
    "progression_export",
    "progression_from_counts",
    "progression_from_pairs",
    "progression_rows",
    "read_export",
    "share_difference",
    "wilcoxon_counts",
    "yes_no_counts",
]
