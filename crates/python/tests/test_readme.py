"""README.md's Python examples run as written (each ```python block, in the repository root)."""

from __future__ import annotations

import os
import re
import runpy

import pytest

from conftest import ROOT

# Each ```python block, unless a `<!-- no-test -->` line comes just before it (the Spark recipe,
# which needs a cluster's `spark` session).
BLOCKS = [code for marker, code in re.findall(r"((?:^<!-- no-test -->\n)?)^```python\n(.*?)^```",
                                              (ROOT / "README.md").read_text(), flags=re.S | re.M)
          if not marker]


def test_the_readme_has_python_examples():
    assert BLOCKS


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i + 1}" for i in range(len(BLOCKS))])
def test_a_readme_python_block_runs(code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    script = tmp_path / "example.py"
    script.write_text(code)
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip(), "the example printed nothing"
