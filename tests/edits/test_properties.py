"""Properties: parsing and building never raise; a ChangeSet from (old, new) applied gives new."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.edits.apply import apply_changeset
from app.edits.build import build_changeset
from app.edits.changeset import ChangeSet, FileChange
from app.edits.parse import parse_edits

# Lines that steer the parser into each of its branches, mixed with arbitrary text.
VOCABULARY = [
    "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE", "```", "```diff", "```python a.py", "a.py", "sub/b.py",
    "--- a/a.py", "+++ b/a.py", "--- /dev/null", "+++ /dev/null", "@@ -1,2 +1,2 @@", "@@ ... @@", "@@",
    "diff --git a/a.py b/c.py", "rename from a.py", "rename to c.py", "deleted file mode 100644",
    "new file mode 100644", "\\ No newline at end of file", "+x", "-x", " x", "x", "", "...", "# ...",
    "*** Begin Patch", "*** End Patch", "*** Update File: a.py", "*** Add File: n.py",
    "*** Delete File: sub/b.py", "*** Move to: m.py", "*** End of File", "@@ x",
    "    y = 1", "Binary files a/a.py and b/a.py differ", "/etc/passwd", "../up.py", ".git/config",
]
RESPONSES = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=8)), max_size=40).map("\n".join),
)


@settings(max_examples=500, deadline=None)
@given(RESPONSES)
def test_parse_never_raises(text: str) -> None:
    edits = parse_edits(text)
    assert [e.number for e in edits] == list(range(1, len(edits) + 1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RESPONSES)
def test_build_never_raises_and_reports_every_refusal(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "a.py").write_text("x\n    y = 1\nx\n")
        (root / "sub").mkdir()
        (root / "sub" / "b.py").write_text("z\n")
        edits = parse_edits(text)
        changes, problems = build_changeset(root, edits)
        assert {p.number for p in problems} <= {e.number for e in edits}
        assert all(p.message.startswith(f"Edit {p.number} ") for p in problems)
        for change in changes.files:
            assert not change.path.startswith(("/", "..", ".git"))


TEXT_LINES = st.sampled_from(["a", "b", "", "  c", "\td", "é ü", "x = 1", "}"])
ENDINGS = st.sampled_from(["\n", "\r\n"])


def text_from(lines: list[str], eol: str, final_newline: bool) -> str:
    text = eol.join(lines)
    return text + eol if lines and final_newline else text


@settings(max_examples=200, deadline=None)
@given(
    old=st.lists(TEXT_LINES, max_size=25), new=st.lists(TEXT_LINES, max_size=25), eol=ENDINGS,
    final_newline=st.booleans(), bom=st.booleans(),
)
def test_applying_a_changeset_from_old_and_new_gives_new(
    old: list[str], new: list[str], eol: str, final_newline: bool, bom: bool
) -> None:
    old_text, new_text = text_from(old, eol, final_newline), text_from(new, eol, final_newline)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prefix = b"\xef\xbb\xbf" if bom else b""
        (root / "f.txt").write_bytes(prefix + old_text.encode())
        apply_changeset(root, ChangeSet([FileChange("f.txt", old_text, new_text)]))
        assert (root / "f.txt").read_bytes() == prefix + new_text.encode()


@settings(max_examples=200, deadline=None)
@given(old=st.lists(TEXT_LINES, min_size=1, max_size=25), new=st.lists(TEXT_LINES, max_size=25), eol=ENDINGS)
def test_whole_file_edit_built_and_applied_gives_new(old: list[str], new: list[str], eol: str) -> None:
    """A whole-file block (written with LF, as models do) rewrites a file to exactly `new`,
    in the file's own line endings, unless it looks like a fragment: much shorter than the
    file, or an unchanged run from its middle."""
    old_text = text_from(old, eol, True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "f.txt").write_bytes(old_text.encode())
        body = "".join(line + "\n" for line in new)
        changes, problems = build_changeset(root, parse_edits(f"f.txt\n```\n{body}```\n"))
        inner_slice = bool(new) and any(old[i : i + len(new)] == new for i in range(1, len(old) - len(new)))
        if (len(old) >= 20 and len(new) * 2 < len(old)) or inner_slice:
            assert problems and "fragment" in problems[0].message
            return
        assert problems == []
        apply_changeset(root, changes)
        assert (root / "f.txt").read_bytes() == text_from(new, eol, True).encode()
