"""`exosuit apply` end to end: a subprocess in a real temporary git repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.commands.apply import NO_TERMINAL

MAIN = Path(__file__).resolve().parents[2]

RESPONSE = """I fixed the greeting and added a helper.

src/greet.py
```python
<<<<<<< SEARCH
def greet(name):
    return "hello " + name
=======
def greet(name):
    return f"Hello, {name}!"
>>>>>>> REPLACE
```

```diff
--- a/README.md
+++ b/README.md
@@ -1,2 +1,2 @@
 # Demo
-Says hello.
+Says hello, politely.
```

src/helper.py
```python
def shout(text):
    return text.upper()
```
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "greet.py").write_text('def greet(name):\n    return "hello " + name\n')
    (root / "README.md").write_text("# Demo\nSays hello.\n")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=root, check=True)
    return root


def exosuit(*args: str, stdin: str | None = None, cwd: Path = MAIN) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(MAIN)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "apply", *args], input=stdin, capture_output=True, text=True,
        cwd=cwd, env=env, timeout=60,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}


def test_yes_applies_every_edit(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "response.md").write_text(RESPONSE)
    result = exosuit("--repo", str(repo), "--yes", str(tmp_path / "response.md"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["wrote src/greet.py", "wrote README.md", "wrote src/helper.py"]
    assert (repo / "src" / "greet.py").read_text() == 'def greet(name):\n    return f"Hello, {name}!"\n'
    assert (repo / "README.md").read_text() == "# Demo\nSays hello, politely.\n"
    assert (repo / "src" / "helper.py").read_text() == "def shout(text):\n    return text.upper()\n"
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
    assert sorted(status.splitlines()) == [" M README.md", " M src/greet.py", "?? src/helper.py"]


def test_stdin_and_repo_found_from_a_subdirectory(repo: Path) -> None:
    result = exosuit("--yes", "-", stdin=RESPONSE, cwd=repo / "src")
    assert result.returncode == 0, result.stderr
    assert (repo / "src" / "helper.py").exists()


def test_dry_run_prints_the_diff_and_writes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    result = exosuit("--repo", str(repo), "--dry-run", "-", stdin=RESPONSE)
    assert result.returncode == 0, result.stderr
    assert "--- a/src/greet.py\n+++ b/src/greet.py\n" in result.stdout
    assert '+    return f"Hello, {name}!"' in result.stdout
    assert "--- /dev/null\n+++ b/src/helper.py\n" in result.stdout
    assert snapshot(repo) == before


def test_one_refused_edit_writes_nothing_and_lists_every_problem(repo: Path) -> None:
    before = snapshot(repo)
    bad = RESPONSE.replace("-Says hello.", "-Says goodbye.") + "\nmissing.py\n```\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n"
    result = exosuit("--repo", str(repo), "--yes", "-", stdin=bad)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert errors[0].startswith("error: Edit 2 (diff for README.md): hunk 1 of 1: in README.md, the text was not found")
    assert errors[1].startswith("error: Edit 4 (SEARCH/REPLACE block for missing.py): there is no file missing.py")
    assert "2 of 4 edits refused; nothing written" in result.stderr
    assert snapshot(repo) == before


def test_a_file_that_is_not_utf8_is_refused_by_name(repo: Path) -> None:
    (repo / "README.md").write_bytes(b"# Demo\n\xff\n")
    result = exosuit("--repo", str(repo), "--yes", "-", stdin=RESPONSE)
    assert result.returncode == 1 and "README.md: not UTF-8 text" in result.stderr
    assert (repo / "src" / "greet.py").read_text().endswith('"hello " + name\n')


def test_no_edits_found(repo: Path) -> None:
    result = exosuit("--repo", str(repo), "--yes", "-", stdin="Sure! What would you like me to change?")
    assert result.returncode == 1 and "no edits found" in result.stderr


def test_without_a_terminal_nor_yes_it_shows_the_diff_writes_nothing_and_fails(repo: Path) -> None:
    before = snapshot(repo)
    result = exosuit("--repo", str(repo), "-", stdin=RESPONSE)
    assert result.returncode == 2
    assert "+++ b/src/greet.py" in result.stdout and "+++ b/src/helper.py" in result.stdout
    assert result.stderr.splitlines() == [f"exosuit apply: {NO_TERMINAL}"]
    assert snapshot(repo) == before


def test_unsafe_path_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / "link")
    response = "link/evil.py\n```python\nprint('owned')\n```\n\n../escape.py\n```python\nx = 1\n```\n"
    result = exosuit("--repo", str(repo), "--yes", "-", stdin=response)
    assert result.returncode == 1
    assert "outside the repository" in result.stderr and "'..' is not allowed" in result.stderr
    assert list(outside.iterdir()) == [] and not (tmp_path / "escape.py").exists()


def test_dry_run_with_a_refused_edit_shows_the_rest_and_fails(repo: Path) -> None:
    bad = RESPONSE.replace("-Says hello.", "-Says goodbye.")
    result = exosuit("--repo", str(repo), "--dry-run", "-", stdin=bad)
    assert result.returncode == 1
    assert "+++ b/src/greet.py" in result.stdout and "README.md" not in result.stdout
    assert "error: Edit 2 (diff for README.md)" in result.stderr


def test_edits_that_change_nothing(repo: Path) -> None:
    same = "src/greet.py\n```\n<<<<<<< SEARCH\ndef greet(name):\n=======\ndef greet(name):\n>>>>>>> REPLACE\n```\n"
    result = exosuit("--repo", str(repo), "--yes", "-", stdin=same)
    assert result.returncode == 0 and "change nothing" in result.stderr
