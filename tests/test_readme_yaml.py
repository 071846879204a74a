"""The YAML example in the README is a valid questionnaire (so the documentation cannot rot)."""

from __future__ import annotations

import re

from survey_app.questionnaire_schema import parse_questionnaire
from tests.conftest import REPO


def test_the_readme_yaml_example_passes_the_checks():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The YAML format") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    head = "key: readme\nversion: 1\ntitle: Eksempel\naudience: caseworker\nanonymous: true\n"
    q = parse_questionnaire(head + example, "README.md")
    assert {i.type for i in q.items} == {"scale", "text", "number"}
    operators = " ".join(i.show_if for i in q.items if i.show_if)
    for operator in ("==", "!=", " in ", ">=", "answered(", "unanswered(", " and ", " or ", "not "):
        assert operator in operators
