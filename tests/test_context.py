"""Context files: what `/add` accepts, what it refuses, and what reaches the model."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.context import MAX_DIR_FILES, ContextError, ContextFiles, SecretFileError, context_block, secret_reason


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text("print('a')\n")
    (root / "src" / "b.py").write_text("print('b')\n")
    (root / "src" / ".env").write_text("TOKEN=abc\n")
    (root / "README.md").write_text("# demo\n")
    return root


def test_add_file_and_render_reads_fresh(repo: Path) -> None:
    files = ContextFiles(repo)
    assert files.add("src/a.py").paths == ["src/a.py"]
    assert files.add("./src/a.py").paths == []  # already there
    (repo / "src" / "a.py").write_text("print('changed')\n")
    snapshot = files.read()
    assert snapshot.files == {"src/a.py": "print('changed')\n"}
    block = context_block(snapshot.files)
    assert "src/a.py\n```\nprint('changed')\n```" in block and "print('a')" not in block


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", ".git/config", "src/../../x"])
def test_paths_outside_the_repo_are_refused(repo: Path, path: str) -> None:
    (repo.parent / "outside.txt").write_text("secret\n")
    with pytest.raises(ContextError):
        ContextFiles(repo).add(path)


def test_an_absolute_path_inside_the_repo_is_taken_as_repo_relative(repo: Path) -> None:
    files = ContextFiles(repo)
    assert files.add(str(repo / "src" / "a.py")).paths == ["src/a.py"]  # pasted from a traceback
    assert files.add(str(repo / "src")).paths == ["src/b.py"]
    with pytest.raises(ContextError, match="absolute paths are not allowed"):
        files.add(str(repo.parent / "outside.txt"))
    with pytest.raises(ContextError):
        files.add(str(repo / ".git" / "config"))


def test_symlink_leading_out_is_refused(repo: Path) -> None:
    (repo.parent / "outside.txt").write_text("secret\n")
    (repo / "link.txt").symlink_to(repo.parent / "outside.txt")
    with pytest.raises(ContextError, match="outside"):
        ContextFiles(repo).add("link.txt")


def test_missing_and_binary_files_are_refused(repo: Path) -> None:
    (repo / "blob.bin").write_bytes(b"\x00\xff\xfe" * 10)
    files = ContextFiles(repo)
    with pytest.raises(ContextError, match="no such file"):
        files.add("nope.py")
    with pytest.raises(ContextError, match="UTF-8"):
        files.add("blob.bin")
    assert files.paths == []


def test_secrets_need_force(repo: Path) -> None:
    files = ContextFiles(repo)
    with pytest.raises(SecretFileError, match="--force src/.env"):
        files.add("src/.env")
    assert files.paths == []
    assert files.add("src/.env", force=True).paths == ["src/.env"]
    assert files.read().files == {"src/.env": "TOKEN=abc\n"}


def test_secret_content_is_detected(repo: Path) -> None:
    (repo / "deploy.txt").write_text("key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")
    (repo / "settings.py").write_text(f"KEY = 'sk-ant-{'x' * 30}'\n")
    files = ContextFiles(repo)
    with pytest.raises(SecretFileError, match="private key"):
        files.add("deploy.txt")
    with pytest.raises(SecretFileError, match="API token"):
        files.add("settings.py")


@pytest.mark.parametrize(
    ("name", "secret"),
    [(".env", True), (".env.local", True), ("id_rsa", True), ("server.pem", True),
     (".env.example", False), ("environment.py", False), ("keys.py", False)],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert (secret_reason(name) is not None) == secret


def test_file_that_becomes_a_secret_is_left_out(repo: Path) -> None:
    files = ContextFiles(repo)
    files.add("src/a.py")
    (repo / "src" / "a.py").write_text("API = 'AKIAABCDEFGHIJKLMNOP'\n")
    snapshot = files.read()
    assert snapshot.files == {} and "left out" in snapshot.warnings[0]


def test_add_directory_skips_secrets(repo: Path) -> None:
    files = ContextFiles(repo)
    added = files.add("src")
    assert added.paths == ["src/a.py", "src/b.py"]
    assert added.skipped and ".env" in added.skipped[0]


def test_drop_and_deleted_files(repo: Path) -> None:
    files = ContextFiles(repo)
    files.add("src")
    files.add("README.md")
    assert files.drop("src") == ["src/a.py", "src/b.py"]
    (repo / "README.md").unlink()
    snapshot = files.read()
    assert snapshot.files == {} and "no longer exists" in snapshot.warnings[0]


def test_fence_is_longer_than_backticks_in_the_file(repo: Path) -> None:
    (repo / "doc.md").write_text("```python\nx = 1\n```\n")
    files = ContextFiles(repo)
    files.add("doc.md")
    assert "doc.md\n````\n```python\nx = 1\n```\n````" in context_block(files.read().files)


def test_directory_skips_symlinks_out_and_caps_the_count(repo: Path) -> None:
    (repo.parent / "outside.txt").write_text("secret\n")
    many = repo / "many"
    many.mkdir()
    (many / "a-link.txt").symlink_to(repo.parent / "outside.txt")
    for n in range(MAX_DIR_FILES + 5):
        (many / f"f{n:03}.txt").write_text("x\n")
    files = ContextFiles(repo)
    added = files.add("many")
    assert len(added.paths) == MAX_DIR_FILES and "many/a-link.txt" not in added.paths
    assert any("outside" in s for s in added.skipped) and "at most" in added.skipped[-1]
    assert files.total_bytes() == 2 * MAX_DIR_FILES


def test_paths_count_from_where_the_person_started(tmp_path: Path) -> None:
    """Started in repo/clk, as git reads paths: `formatting.py` is clk/formatting.py."""
    (tmp_path / "clk").mkdir()
    (tmp_path / "clk" / "formatting.py").write_text("x = 1\n")
    (tmp_path / "README.md").write_text("hi\n")
    context = ContextFiles(tmp_path, start="clk")
    assert context.add("formatting.py").paths == ["clk/formatting.py"]
    assert context.add("../README.md").paths == ["README.md"]
    assert context.from_start(["README.md", "clk/formatting.py", "clkx/y.py"]) == ["formatting.py"]
    with pytest.raises(ContextError, match="'..' is not allowed"):
        context.add("../../etc/passwd")  # out of the repo: refused as ever
    assert context.drop("formatting.py") == ["clk/formatting.py"] and context.paths == ["README.md"]


def test_add_a_glob(repo: Path) -> None:
    (repo / "pkg" / "deep").mkdir(parents=True)
    for rel in ("pkg/test_a.py", "pkg/deep/test_b.py", "pkg/deep/other.py"):
        (repo / rel).write_text("x = 1\n")
    (repo / "pkg" / "test_secret.py").write_text("KEY = 'sk-ant-" + "a" * 30 + "'\n")
    context = ContextFiles(repo)
    added = context.add("pkg/**/test_*.py")
    assert added.paths == ["pkg/deep/test_b.py", "pkg/test_a.py"]
    assert [s.split(" ")[0] for s in added.skipped] == ["pkg/test_secret.py"]
    with pytest.raises(ContextError, match=r"no repo file matches \*\.rs"):
        context.add("*.rs")


def test_the_project_file_extends_and_exempts_the_deny_list(repo: Path) -> None:
    from app.chat import ChatSession
    from app.config import load_config

    (repo / ".exosuit.toml").write_text('[context]\nsecret_files = ["*.tfvars"]\nnot_secret_files = ["src/secrets.py"]\n')
    (repo / "prod.tfvars").write_text("password = 'hunter2'\n")
    (repo / "src" / "secrets.py").write_text("def token_bytes(n):\n    return n\n")
    (repo / "secrets.py").write_text("KEY = 1\n")
    session = ChatSession.from_config(repo, load_config(repo))
    with pytest.raises(SecretFileError, match="prod.tfvars is in the project's secret_files"):
        session.context.add("prod.tfvars")
    assert session.context.add("src/secrets.py").paths == ["src/secrets.py"]  # exempt by its path
    with pytest.raises(SecretFileError):
        session.context.add("secrets.py")  # the same name elsewhere still is not
    with pytest.raises(SecretFileError):
        session.context.add("src/.env")


def test_at_mentions_add_repo_paths_and_leave_other_at_words_alone(repo: Path) -> None:
    from app.context.files import mentions

    assert mentions("see @src/a.py. and @src/, (@x) me@host.org @") == ["src/a.py", "src/"]
    files = ContextFiles(repo)
    added = files.add_mentioned("fix @src/a.py, use @property and @nobody; @src/*.md is nothing; mind @src/.env")
    assert added.paths == ["src/a.py"]
    assert added.skipped == ["src/.env is named like a secrets file (/add --force src/.env to send it)"]
    assert files.add_mentioned("all of @src").paths == ["src/b.py"]  # a directory: its files not yet added
    inner = ContextFiles(repo, start="src")
    assert inner.add_mentioned("@b.py").paths == ["src/b.py"]  # typed from where the person works
