"""The README's examples run as written: every ```python, ```sh and ```bash block, in order.

They run in a temporary folder holding a copy of ``examples/`` (the bundled articles, the
small training set and export), the way a newcomer runs them from the repository root.
A block that cannot run in the tests is marked in the README by the line
``<!-- not run by tests: REASON -->`` just above it, and listed here.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_MARK = re.compile(r"<!-- not run by tests: (.+?) -->\s*$")
# first line of each block marked in the README as not run, and why
NOT_RUN = {"make demo   # install, then label the bundled example articles in examples/articles/":
           "it installs belclf and runs the whole test suite",
           "pip install 'belclf[ray]'     # ray[data]: 240 MB installed":
           "it needs a Ray cluster, a Spark cluster and HDFS (tests/test_distributed.py runs both recipes on local "
           "clusters)"}


def readme_blocks() -> list[tuple[str, str, str | None]]:
    """``(language, code, reason not run or None)`` of each shell and Python block of README.md."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        fence = re.match(r"^```(\w+)\s*$", lines[i])
        if fence:
            end = lines.index("```", i + 1)
            if fence[1] in ("python", "sh", "bash"):
                mark = SKIP_MARK.match(lines[i - 1]) if i else None
                blocks.append((fence[1], "\n".join(lines[i + 1:end]) + "\n", mark[1] if mark else None))
            i = end
        i += 1
    return blocks


def test_the_blocks_not_run_are_the_ones_listed_here():
    marked = {code.splitlines()[0]: reason for _, code, reason in readme_blocks() if reason}
    assert marked == NOT_RUN
    assert sum(reason is None for *_, reason in readme_blocks()) >= 4


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", folder / "examples")
    return folder


@pytest.mark.parametrize("number", [n for n, (*_, reason) in enumerate(readme_blocks()) if reason is None])
def test_readme_block_runs_as_written(number, workdir):
    language, code, _ = readme_blocks()[number]
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if language == "python":
        command = [sys.executable, "-c", code]
    else:
        command = ["bash", "-euo", "pipefail", "-c", code]
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"README block {number} ({language}) failed:\n{code}\n{result.stderr[-3000:]}"
