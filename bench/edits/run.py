"""Edit-engine benchmark: real changes from three packages' history, written as models write them.

Every changed region of every release step in `corpus.json.xz` (see make_corpus.py) becomes
one case per kind below: the same real change as a SEARCH/REPLACE block, a unified diff, a
patch envelope or a whole file, with the mistakes models make, plus negatives that must be
refused; and every changed file becomes a few more (all its changes at once, CRLF, deletion,
creation, the final newline cut or added). Each case is read with `place_edits` and built
against the old file on disk (nothing is applied) and scored:

- correct: the ChangeSet is exactly the real change (positives) / the edit is refused (negatives);
- failed: a positive edit is refused (safe, but a retry is needed);
- wrong: a positive gives any other text, or a negative is not refused. Must be zero.

    .venv/bin/python bench/edits/run.py [--limit N] [--kind PREFIX] [--show-failed N] [--show-wrong]
"""

from __future__ import annotations

import argparse
import difflib
import json
import lzma
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.edits.apply import apply_changeset  # noqa: E402
from app.edits.build import place_edits  # noqa: E402

CORPUS = Path(__file__).with_name("corpus.json.xz")
MARKER = "# ... existing code ..."
BARE = "Makefile"
"""The file without an extension the `*-no-extension` kinds name (it exists in the positive ones only)."""
DECORATIONS = ("**{}**", "`{}`", "{}:", '"{}"', "### {}", "**File:** `{}`", "*{}*")
"""How models dress the path on the line before a block."""
APPLIED = {"sr-multi", "sr-multi-crlf", "diff-multi"}
"""Kinds whose ChangeSet is also written to disk with apply_changeset and read back."""


@dataclass
class Case:
    kind: str
    path: str
    old: str
    """The file's content on disk for this case."""
    response: str
    expected: dict[str, str | None] | None
    """Path -> text after the edit (None: deleted); None for a negative case."""


@dataclass
class Region:
    """One real change: file lines [a1, a2) of `old` became `new_lines` (as a diff hunk would)."""

    path: str
    old: list[str]
    a1: int
    a2: int
    new_lines: list[str]
    paths: list[str]

    @property
    def new(self) -> list[str]:
        return self.old[: self.a1] + self.new_lines + self.old[self.a2 :]


def load_regions() -> Iterator[tuple[list[str], list[Region]]]:
    """Per release step: all paths, and every changed region grouped as `diff -U3` hunks."""
    corpus = json.loads(lzma.decompress(CORPUS.read_bytes()))
    for step in corpus["steps"]:
        regions = []
        for path, change in step["files"].items():
            old = change["old"].splitlines(keepends=True)
            new = list(old)
            for i1, i2, lines in reversed(change["ops"]):
                new[i1:i2] = lines
            matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
            for group in matcher.get_grouped_opcodes(3):
                changed = [op for op in group if op[0] != "equal"]
                a1, a2, b1, b2 = changed[0][1], changed[-1][2], changed[0][3], changed[-1][4]
                regions.append(Region(path, old, a1, a2, new[b1:b2], step["paths"]))
        yield step["paths"], regions


# -- turning a region into cases ----------------------------------------------------------


def count(lines: list[str], block: list[str]) -> int:
    n = len(block)
    return sum(1 for i in range(len(lines) - n + 1) if lines[i : i + n] == block)


def unique_context(r: Region) -> tuple[int, int] | None:
    """Context lines before/after the change (at least one each where there is any) so that the
    SEARCH text occurs exactly once."""
    before, after = min(1, r.a1), min(1, len(r.old) - r.a2)
    for _ in range(30):
        block = r.old[r.a1 - before : r.a2 + after]
        if any(line.strip() for line in block) and count(r.old, block) == 1:
            return before, after
        if before < r.a1 and (before <= after or r.a2 + after >= len(r.old)):
            before += 1
        elif r.a2 + after < len(r.old):
            after += 1
        else:
            return None
    return None


def count_at_any_indent(lines: list[str], block: list[str]) -> int:
    """Where `block` occurs in `lines` with one indentation put before each of its non-blank
    lines: the places a dedented SEARCH text could mean."""
    first = next(k for k, line in enumerate(block) if line.strip())
    found = 0
    for i in range(first, len(lines) - len(block) + first + 1):
        indent = lines[i][: len(lines[i]) - len(block[first])]
        if not indent.strip() and all(
            lines[i - first + j].rstrip() == (indent + line if line.strip() else "").rstrip()
            for j, line in enumerate(block)
        ):
            found += 1
    return found


def text(lines: list[str]) -> str:
    return "".join(lines).removesuffix("\n")


def sr_block(path: str, search: list[str], replace: list[str]) -> str:
    """A SEARCH/REPLACE block; an empty REPLACE has no line at all (one blank line would be a line)."""

    def section(lines: list[str]) -> str:
        return text(lines) + "\n" if lines else ""

    return f"{path}\n```python\n<<<<<<< SEARCH\n{section(search)}=======\n{section(replace)}>>>>>>> REPLACE\n```\n"


def unified(r: Region, context: int = 3, old_name: str | None = None, new_name: str | None = None) -> str:
    return diff_text(r.old, r.new, f"a/{old_name or r.path}", f"b/{new_name or r.path}", context)


def diff_text(old: list[str], new: list[str], old_name: str, new_name: str, context: int = 3) -> str:
    """A unified diff as git writes it, `\\ No newline at end of file` included."""
    diff = difflib.unified_diff(old, new, old_name, new_name, n=context)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff)


def hunk_old(r: Region) -> list[str]:
    """The context and removed lines of the region's diff hunk: what it expects in the file."""
    diff_lines = unified(r).splitlines(keepends=True)[3:]  # after the ---, +++ and @@ lines
    return [line[1:] for line in diff_lines if line[:1] in (" ", "-")]


def without_numbers(diff: str) -> str:
    """The diff with every hunk header reduced to `@@ ... @@`, as models often write them."""
    return re.sub(r"^@@ .* @@.*$", "@@ ... @@", diff, flags=re.M)


def shortest_suffix(path: str, paths: list[str]) -> str:
    parts = path.split("/")
    for k in range(1, len(parts) + 1):
        suffix = "/".join(parts[-k:])
        if sum(1 for p in paths if p == suffix or p.endswith("/" + suffix)) == 1:
            return suffix
    return path


def cases_for(r: Region) -> Iterator[Case]:
    expected = {r.path: "".join(r.new)}
    old_text = "".join(r.old)
    context = unique_context(r)
    if context is not None:
        before, after = context
        ctx_a, ctx_b = r.old[r.a1 - before : r.a1], r.old[r.a2 : r.a2 + after]
        search = ctx_a + r.old[r.a1 : r.a2] + ctx_b
        replace = ctx_a + r.new_lines + ctx_b
        yield Case("sr-exact", r.path, old_text, sr_block(r.path, search, replace), expected)

        noisy = [line.rstrip("\n") + ("  \n" if k % 2 else "\t\n") for k, line in enumerate(search)]
        yield Case("sr-trailing-ws", r.path, old_text, sr_block(r.path, noisy, replace), expected)

        def no_blanks(lines: list[str]) -> list[str]:
            return [line for line in lines if line.strip()]

        s2 = no_blanks(ctx_a) + r.old[r.a1 : r.a2] + no_blanks(ctx_b)
        if any(not line.strip() for line in ctx_a + ctx_b) and count(no_blanks(r.old), no_blanks(s2)) == 1:
            r2 = no_blanks(ctx_a) + r.new_lines + no_blanks(ctx_b)
            yield Case("sr-blank-lines", r.path, old_text, sr_block(r.path, s2, r2), expected)

        indents = [len(line) - len(line.lstrip()) for line in search + replace if line.strip()]
        cut = min(indents, default=0)
        dedent = lambda lines: [line[cut:] if line.strip() else line for line in lines]  # noqa: E731
        if cut >= 4 and count_at_any_indent(r.old, dedent(search)) == 1:
            yield Case("sr-dedented", r.path, old_text, sr_block(r.path, dedent(search), dedent(replace)), expected)

        suffix = shortest_suffix(r.path, r.paths)
        if suffix != r.path:
            yield Case("sr-basename", r.path, old_text, sr_block(suffix, search, replace), expected)
        basename = r.path.rsplit("/", 1)[-1]
        if sum(1 for p in r.paths if p.rsplit("/", 1)[-1] == basename) > 1:
            yield Case("neg-ambiguous-path", r.path, old_text, sr_block(basename, search, replace), None)
        if basename.startswith("_"):  # `_compat.py`, `__init__.py`: underscores that are not emphasis
            label = ("{}", "**{}**", "`{}`")[r.a1 % 3].format(suffix)
            yield Case("sr-underscore", r.path, old_text, sr_block(label, search, replace), expected)

        label = DECORATIONS[(r.a1 + len(r.path)) % len(DECORATIONS)].format(r.path)
        yield Case("sr-decorated", r.path, old_text, sr_block(label, search, replace), expected)
        in_fence = sr_block(r.path, search, replace).replace(f"{r.path}\n```python\n", f"```python\n{r.path}\n", 1)
        yield Case("sr-path-in-fence", r.path, old_text, in_fence, expected)

        # A file without an extension (a Makefile), named alone before the block; and the same
        # name where no such file exists, which must be refused.
        block = sr_block(BARE, search, replace)
        yield Case("sr-no-extension", BARE, old_text, block, {BARE: "".join(r.new)})
        yield Case("neg-no-extension", r.path, old_text, block, None)

        tail = r.old[r.a2 : r.a2 + 5]
        if len(tail) == 5 and all(line.strip() for line in (tail[0], tail[4])):
            indent = tail[1][: len(tail[1]) - len(tail[1].lstrip())]
            elided = [tail[0], f"{indent}{MARKER}\n", tail[4]]
            s3, r3 = ctx_a + r.old[r.a1 : r.a2] + elided, ctx_a + r.new_lines + elided
            yield Case("sr-elided", r.path, old_text, sr_block(r.path, s3, r3), expected)

        mutable = [k for k, line in enumerate(search) if line.strip()]
        k = mutable[len(mutable) // 2]
        line = search[k]
        lead = len(line) - len(line.lstrip())
        wrong = search[:k] + [line[:lead] + "zz_" + line[lead:]] + search[k + 1 :]
        yield Case("neg-missing", r.path, old_text, sr_block(r.path, wrong, replace), None)

        # The text the edit replaces, copied again at the end of the file: now it is in two places.
        separator = "" if old_text.endswith("\n") else "\n"
        twice = old_text + separator + "".join(search)
        yield Case("neg-twice", r.path, twice, sr_block(r.path, search, replace), None)
        twice_diff = old_text + separator + "".join(hunk_old(r))
        yield Case("neg-twice-diff", r.path, twice_diff, f"```diff\n{without_numbers(unified(r))}```\n", None)

    diff = unified(r)
    yield Case("diff-exact", r.path, old_text, f"```diff\n{diff}```\n", expected)
    if context is not None and any(line.strip() for line in hunk_old(r)):
        # `--- /dev/null` on a hunk whose old lines are in the file once: an update, not a creation
        devnull = diff.replace(f"--- a/{r.path}\n", "--- /dev/null\n", 1)
        yield Case("diff-devnull-update", r.path, old_text, f"```diff\n{devnull}```\n", expected)
        separator = "" if old_text.endswith("\n") else "\n"
        twice = old_text + separator + "".join(hunk_old(r))
        yield Case("neg-devnull-twice", r.path, twice, f"```diff\n{without_numbers(devnull)}```\n", None)
    lines = diff.splitlines(keepends=True)
    last_added = max((k for k, line in enumerate(lines) if line.startswith("+") and k > 1), default=None)
    if r.a2 + 3 < len(r.old) and last_added is not None and "\\ No newline" not in diff:
        # the marker after a hunk's last added line, where the file goes on: refused, not obeyed
        marked = "".join(lines[: last_added + 1] + ["\\ No newline at end of file\n"] + lines[last_added + 1 :])
        yield Case("neg-eof-marker-mid", r.path, old_text, f"```diff\n{marked}```\n", None)
    # Without (right) line numbers a hunk is placed by its lines alone: only when they occur once.
    placeable = count([line.rstrip("\n") for line in r.old], [line.rstrip("\n") for line in hunk_old(r)]) == 1
    shift = 7 + len(r.path) % 40
    moved = re.sub(
        r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@",
        lambda m: f"@@ -{int(m[1]) + shift}{m[2] or ''} +{int(m[3]) + shift}{m[4] or ''} @@",
        diff, flags=re.M,
    )
    if placeable:
        yield Case("diff-wrong-numbers", r.path, old_text, f"```diff\n{moved}```\n", expected)
        yield Case("diff-no-numbers", r.path, old_text, f"```diff\n{without_numbers(diff)}```\n", expected)
    sloppy = unified(r, context=1).replace("--- a/", "--- ").replace("+++ b/", "+++ ")
    sloppy = "\n".join(line.rstrip() if line.strip() == "" else line for line in sloppy.split("\n"))
    yield Case("diff-sloppy", r.path, old_text, f"```diff\n{sloppy}```\n", expected)

    body = "".join(line for line in diff.splitlines(keepends=True)[2:] if not line.startswith("\\"))
    envelope = f"*** Begin Patch\n*** Update File: {r.path}\n" + re.sub(r"^@@ .* @@.*$", "@@", body, flags=re.M)
    if placeable:
        yield Case("envelope", r.path, old_text, f"```\n{envelope}*** End Patch\n```\n", expected)

    renamed = r.path.replace(".py", "_renamed.py")
    rename = f"diff --git a/{r.path} b/{renamed}\nsimilarity index 90%\nrename from {r.path}\nrename to {renamed}\n"
    rename += unified(r, old_name=r.path, new_name=renamed)
    yield Case("diff-rename", r.path, old_text, rename, {r.path: None, renamed: "".join(r.new)})

    yield Case("whole-file", r.path, old_text, f"{r.path}\n```python\n{''.join(r.new)}```\n", expected)
    yield Case("whole-no-extension", BARE, old_text, f"{BARE}\n```\n{''.join(r.new)}```\n", {BARE: "".join(r.new)})
    new_start, new_end = r.a1, r.a1 + len(r.new_lines)
    lo, hi = max(0, new_start - 3), min(len(r.new), new_end + 3)
    body = (MARKER + "\n" if lo else "") + "".join(r.new[lo:hi]) + (MARKER + "\n" if hi < len(r.new) else "")
    yield Case("whole-elided", r.path, old_text, f"{r.path}\n```python\n{body}```\n", expected)


def file_cases(regions: list[Region]) -> Iterator[Case]:
    """Cases about a whole file (once per file, not per region): every change at once as several
    SEARCH/REPLACE blocks or one diff without line numbers, the file in CRLF, deletion, creation."""
    r = regions[0]
    old_text = "".join(r.old)
    new = list(r.old)
    for region in reversed(regions):
        new[region.a1 : region.a2] = region.new_lines
    expected = {r.path: "".join(new)}
    blocks = []
    for region in regions:
        context = unique_context(region)
        if context is None:
            break
        before, after = context
        ctx_a, ctx_b = region.old[region.a1 - before : region.a1], region.old[region.a2 : region.a2 + after]
        search, replace = ctx_a + region.old[region.a1 : region.a2] + ctx_b, ctx_a + region.new_lines + ctx_b
        blocks.append(sr_block(r.path, search, replace))
    else:
        yield Case("sr-multi", r.path, old_text, "".join(blocks), expected)
        crlf = {r.path: expected[r.path].replace("\n", "\r\n")}
        yield Case("sr-multi-crlf", r.path, old_text.replace("\n", "\r\n"), "".join(blocks), crlf)
    diff = "".join(difflib.unified_diff(r.old, new, f"a/{r.path}", f"b/{r.path}"))
    yield Case("diff-multi", r.path, old_text, f"```diff\n{without_numbers(diff)}```\n", expected)

    deletion = f"diff --git a/{r.path} b/{r.path}\ndeleted file mode 100644\n" + "".join(
        difflib.unified_diff(r.old, [], f"a/{r.path}", "/dev/null")
    )
    yield Case("diff-delete", r.path, old_text, deletion, {r.path: None})
    target = "newpkg/" + r.path.rsplit("/", 1)[-1]
    creation = f"diff --git a/{target} b/{target}\nnew file mode 100644\n" + "".join(
        difflib.unified_diff([], new, "/dev/null", f"b/{target}")
    )
    yield Case("diff-new-file", r.path, old_text, creation, {target: "".join(new)})

    # A final newline taken away, and one put back, as git writes it (`\\ No newline at end of file`).
    if old_text.endswith("\n") and r.old[-1].strip() and new[-1].strip():
        cut = new[:-1] + [new[-1].removesuffix("\n")]
        name = f"a/{r.path}", f"b/{r.path}"
        removal = diff_text(r.old, cut, *name)
        yield Case("diff-eof-newline-cut", r.path, old_text, f"```diff\n{removal}```\n", {r.path: "".join(cut)})
        old_cut = r.old[:-1] + [r.old[-1].removesuffix("\n")]
        addition = diff_text(old_cut, new, *name)
        yield Case("diff-eof-newline-add", r.path, "".join(old_cut), f"```diff\n{addition}```\n", expected)


# -- running --------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    verdict: str  # correct / failed / wrong
    seconds: float
    case: Case
    detail: str = ""
    apply_seconds: float | None = None
    """For the APPLIED kinds: the time apply_changeset took to write the ChangeSet."""


def score(root: Path, case: Case) -> Outcome:
    (root / case.path).write_bytes(case.old.encode("utf-8"))
    started = time.perf_counter()
    _, changes, problems = place_edits(root, case.response)
    seconds = time.perf_counter() - started
    if case.expected is None:
        verdict = "correct" if problems else "wrong"
        return Outcome(case.kind, verdict, seconds, case, "not refused")
    if problems:
        return Outcome(case.kind, "failed", seconds, case, problems[0].message)
    got: dict[str, str | None] = {}
    for change in changes.files:
        got[change.path] = change.new_text
        if change.is_rename:
            got[change.old_path or ""] = None
    if got != case.expected:
        return Outcome(case.kind, "wrong", seconds, case, _difference(case, got))
    if case.kind not in APPLIED:
        return Outcome(case.kind, "correct", seconds, case)
    started = time.perf_counter()
    apply_changeset(root, changes)
    applied = time.perf_counter() - started
    written = {path: (root / path).read_bytes() for path in case.expected}
    if written != {path: (text or "").encode("utf-8") for path, text in case.expected.items()}:
        return Outcome(case.kind, "wrong", seconds, case, "the bytes written differ", applied)
    return Outcome(case.kind, "correct", seconds, case, "", applied)


def _difference(case: Case, got: dict[str, str | None]) -> str:
    for path, want in case.expected.items():  # type: ignore[union-attr]
        have = got.get(path)
        if have != want:
            diff = difflib.unified_diff((want or "").splitlines(True), (have or "").splitlines(True), "expected", "got")
            return f"{path}:\n" + "".join(list(diff)[:40])
    return f"unexpected files: {sorted(set(got) - set(case.expected or {}))}"


def run(limit: int | None = None, kinds: Callable[[str], bool] = lambda kind: True) -> list[Outcome]:
    """Score every case (the first `limit` regions of each step when given)."""
    outcomes = []
    for paths, regions in load_regions():
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for path in paths:
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_text("# placeholder\n")
            seen: set[str] = set()
            for region in regions[:limit]:
                cases = list(cases_for(region))
                if region.path not in seen:
                    seen.add(region.path)
                    cases += list(file_cases([other for other in regions if other.path == region.path]))
                for case in cases:
                    if kinds(case.kind):
                        outcomes.append(score(root, case))
                        for path in {case.path, *(case.expected or {})}:
                            if path in paths:
                                (root / path).write_text("# placeholder\n")
                            else:
                                (root / path).unlink(missing_ok=True)
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    rows = [f"{'kind':<20} {'cases':>6} {'correct':>8} {'failed':>7} {'wrong':>6} {'median ms':>10}"]
    totals: Counter[str] = Counter()
    for kind in sorted(by_kind, key=lambda k: (k.startswith("neg"), k)):
        counts = Counter(o.verdict for o in by_kind[kind])
        totals.update(counts)
        median = statistics.median(o.seconds for o in by_kind[kind]) * 1000
        rows.append(
            f"{kind:<20} {len(by_kind[kind]):>6} {counts['correct']:>8} {counts['failed']:>7} "
            f"{counts['wrong']:>6} {median:>10.2f}"
        )
    rows.append(f"{'total':<20} {len(outcomes):>6} {totals['correct']:>8} {totals['failed']:>7} {totals['wrong']:>6}")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="regions per release step (default: all)")
    parser.add_argument("--kind", help="only kinds starting with this")
    parser.add_argument("--show-wrong", action="store_true", help="print each wrong case")
    parser.add_argument("--show-failed", type=int, default=0, metavar="N", help="print N failed cases")
    args = parser.parse_args()
    outcomes = run(args.limit, lambda kind: kind.startswith(args.kind or ""))
    print(table(outcomes))
    applied = [o.apply_seconds for o in outcomes if o.apply_seconds is not None]
    if applied:
        print(
            f"\napply_changeset: {len(applied)} ChangeSets written and read back byte-exact "
            f"({', '.join(sorted(APPLIED))}), median {statistics.median(applied) * 1000:.2f} ms"
        )
    failed = [o for o in outcomes if o.verdict == "failed"]
    for outcome in failed[: args.show_failed]:
        print(f"\n--- failed {outcome.kind} {outcome.case.path}\n{outcome.case.response}\n{outcome.detail}")
    wrong = [o for o in outcomes if o.verdict == "wrong"]
    if args.show_wrong:
        for outcome in wrong:
            print(f"\n--- WRONG {outcome.kind} {outcome.case.path}\n{outcome.case.response}\n{outcome.detail}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
