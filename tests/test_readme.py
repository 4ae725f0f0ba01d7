"""Every Python snippet in the README runs as written."""
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_readme_snippet_runs(snippet, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # snippets may write files (a checkpoint, a run folder)
    monkeypatch.setattr("sys.argv", ["snippet", "--quick", "--quiet"])  # a training script's smoke-test flags
    exec(compile(snippet, str(README), "exec"), {})


def test_readme_has_snippets():
    assert len(SNIPPETS) >= 3
