"""Properties: parsing and building never raise; a ChangeSet from (old, new) applied gives new."""

from __future__ import annotations

import difflib
import re
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
    file, or an unchanged run from its middle, or nothing at all."""
    old_text = text_from(old, eol, True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "f.txt").write_bytes(old_text.encode())
        body = "".join(line + "\n" for line in new)
        changes, problems = build_changeset(root, parse_edits(f"f.txt\n```\n{body}```\n"))
        inner_slice = bool(new) and any(old[i : i + len(new)] == new for i in range(1, len(old) - len(new)))
        if not any(line.strip() for line in new) and any(line.strip() for line in old):
            assert problems and "the block is empty" in problems[0].message  # an answer cut short
            return
        if (len(old) >= 20 and len(new) * 2 < len(old)) or inner_slice:
            assert problems and "fragment" in problems[0].message
            return
        assert problems == []
        apply_changeset(root, changes)
        assert (root / "f.txt").read_bytes() == text_from(new, eol, True).encode()


PLAIN_LINES = st.sampled_from(["a", "b", "c", "", "    d", "    e()", "f = 1"])


@settings(max_examples=400, deadline=None)
@given(
    old=st.lists(PLAIN_LINES, min_size=1, max_size=20),
    new_lines=st.lists(PLAIN_LINES, max_size=4),
    data=st.data(),
    noise=st.sampled_from(["none", "trailing-whitespace", "no-blank-context", "dedent", "elision"]),
)
def test_a_search_replace_edit_is_applied_as_meant_or_refused(
    old: list[str], new_lines: list[str], data: st.DataObject, noise: str
) -> None:
    """Never wrong: an edit made from a real change (then made sloppy the way models do, or
    with unchanged lines after it elided) either gives exactly the intended file or is refused."""
    a1 = data.draw(st.integers(0, len(old)))
    a2 = data.draw(st.integers(a1, len(old)))
    before = data.draw(st.integers(0, 3))
    after = data.draw(st.integers(0, 5))
    ctx_a, ctx_b = old[max(0, a1 - before) : a1], old[a2 : a2 + after]
    search, replace = ctx_a + old[a1:a2] + ctx_b, ctx_a + new_lines + ctx_b
    if noise == "trailing-whitespace":
        search = [line + " " * (k % 3) for k, line in enumerate(search)]
    elif noise == "no-blank-context":  # single blank lines between context lines left out

        def isolated_blanks_dropped(lines: list[str]) -> list[str]:
            return [x for k, x in enumerate(lines) if x or not (0 < k < len(lines) - 1 and lines[k - 1] and lines[k + 1])]

        ctx_a, ctx_b = isolated_blanks_dropped(ctx_a), isolated_blanks_dropped(ctx_b)
        search, replace = ctx_a + old[a1:a2] + ctx_b, ctx_a + new_lines + ctx_b
    elif noise == "dedent" and all(line.startswith("    ") for line in search + replace if line):
        search = [line.removeprefix("    ") for line in search]
        replace = [line.removeprefix("    ") for line in replace]
    elif noise == "elision" and len(ctx_b) >= 3 and ctx_b[0] and ctx_b[-1]:
        hidden = [line for line in ctx_b[1:-1] if line]
        marker = " " * min((len(x) - len(x.lstrip()) for x in hidden), default=0) + "# ..."
        elided = [ctx_b[0], marker, ctx_b[-1]]
        search, replace = ctx_a + old[a1:a2] + elided, ctx_a + new_lines + elided
    intended = "".join(line + "\n" for line in old[:a1] + new_lines + old[a2:])
    if not "".join(search).strip():
        return  # a blank SEARCH means "create the file"; covered elsewhere
    section = lambda lines: "".join(line + "\n" for line in lines)  # noqa: E731
    response = f"f.py\n<<<<<<< SEARCH\n{section(search)}=======\n{section(replace)}>>>>>>> REPLACE\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "f.py").write_text("".join(line + "\n" for line in old))
        changes, problems = build_changeset(root, parse_edits(response))
        if problems:
            return
        result = changes.files[0].new_text if changes.files else "".join(line + "\n" for line in old)
        if noise == "dedent" and any(line.startswith("    ") for line in old):
            # A dedented text may truly be elsewhere at the outer level; then it must match there
            # literally (exactly or up to blank lines), which is what the model wrote.
            return
        literal = [i for i in range(len(old) - len(search) + 1) if old[i : i + len(search)] == search]
        if noise == "no-blank-context" and len(literal) == 1:
            # Leaving the blank lines out may make SEARCH the exact text of another place: the
            # engine takes what the model wrote literally, there (exact matches come first).
            i = literal[0]
            assert result in (intended, "".join(line + "\n" for line in old[:i] + replace + old[i + len(search):]))
            return
        assert result == intended


@settings(max_examples=300, deadline=None)
@given(
    old=st.lists(PLAIN_LINES, min_size=1, max_size=20),
    new_lines=st.lists(PLAIN_LINES, max_size=4),
    data=st.data(),
    context=st.integers(0, 3),
    noise=st.sampled_from(["none", "no-numbers", "blank-context-without-space", "no-prefixes"]),
)
def test_a_diff_is_applied_as_meant_or_refused(
    old: list[str], new_lines: list[str], data: st.DataObject, context: int, noise: str
) -> None:
    """Never wrong, for unified diffs of a real change written as models write them."""
    a1 = data.draw(st.integers(0, len(old)))
    a2 = data.draw(st.integers(a1, len(old)))
    intended = old[:a1] + new_lines + old[a2:]
    before, after = [x + "\n" for x in old], [x + "\n" for x in intended]
    diff = "".join(difflib.unified_diff(before, after, "a/f.py", "b/f.py", n=context))
    if not diff:
        return
    if noise == "no-numbers":
        diff = re.sub(r"^@@ .* @@$", "@@ ... @@", diff, flags=re.M)
    elif noise == "blank-context-without-space":
        diff = diff.replace("\n \n", "\n\n")
    elif noise == "no-prefixes":
        diff = diff.replace("--- a/", "--- ").replace("+++ b/", "+++ ")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "f.py").write_text("".join(x + "\n" for x in old))
        changes, problems = build_changeset(root, parse_edits(f"```diff\n{diff}```\n"))
        if not problems:
            assert changes.files[0].new_text == "".join(x + "\n" for x in intended)
