"""The publishing workflow (.github/workflows/publish.yml), read as data: pinned actions, runs only
from main, catches up with what is published."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit


def test_the_workflow_pins_actions_runs_only_from_main_and_catches_up():
    import yaml

    workflow = yaml.safe_load((Path(__file__).resolve().parent.parent / ".github" / "workflows" / "publish.yml")
                              .read_text(encoding="utf-8"))
    job = workflow["jobs"]["publish"]
    assert isinstance(job["timeout-minutes"], int) and job["timeout-minutes"] <= 60
    uses = [step["uses"] for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use) for use in uses), uses
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "merge-base --is-ancestor" in script and "origin/main" in script
    assert "--erratum" in script and "erratum" in workflow[True]["workflow_dispatch"]["inputs"]
    assert "git tag --list 'edition-*'" in script
    assert workflow["concurrency"]["cancel-in-progress"] is False
