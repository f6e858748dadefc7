"""`exosuit sessions` (the repository's logged sessions, newest first; `--prune`) and `exosuit
stats` (the review analytics of its sessions, or of every repository's with `--all`)."""

from __future__ import annotations

import argparse
import json
import time

from app import session_log, stats
from app.commands.common import OK, CommandError, workplace
from app.stats import Figures


def listing(args: argparse.Namespace) -> int:
    root = workplace(args.repo).root
    if args.prune:
        try:
            gone = session_log.prune(stats.parse_since(args.older_than), root)
        except ValueError:
            raise CommandError(f"--older-than {args.older_than}: give a time such as 30d, 12h or 90m") from None
        print(f"Pruned {len(gone)} session{'s' * (len(gone) != 1)} older than {args.older_than}.")
        return OK
    summaries = [found.summary for found, _ in stats.digests(root) if found.summary]
    if args.json:
        for summary in summaries:
            print(json.dumps(summary.as_json(), ensure_ascii=False))
        return OK
    if not summaries:
        print(f"No sessions logged for {root} yet (they go to {session_log.repo_folder(root)}).")
        return OK
    for s in summaries:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started))
        print(f"{s.id}  {started}  {s.level:<6} {s.turns:>3} turn{'s' if s.turns != 1 else ' '} "
              f"${s.cost:7.4f}  {s.first_instruction or '(no question)'}")
    print(f"\nexosuit --resume ID (or --continue for the latest) takes one up. The logs: {session_log.repo_folder(root)}")
    return OK


def report(args: argparse.Namespace) -> int:
    try:
        since = time.time() - stats.parse_since(args.since) if args.since else 0.0
    except ValueError:
        raise CommandError(f"--since {args.since}: give a time such as 7d, 12h or 90m") from None
    root = None if args.all else workplace(args.repo).root
    figures = stats.compute(stats.digests(root), since)
    if args.json:
        print(json.dumps(figures.as_json(), ensure_ascii=False, indent=2))
        return OK
    print(f"{figures.sessions} session{'s' * (figures.sessions != 1)}"
          f"{f' in the last {args.since}' if args.since else ''}{'' if root is None else f' in {root.name}'}")
    for title, groups in (("", {"all": figures.total}), ("by model", figures.by_model),
                          ("by level", figures.by_level), ("by day", figures.by_day)):
        if title and groups:
            print(f"\n{title}")
        for name, group in sorted(groups.items()):
            print(f"  {name:<32} {_line(group)}")
    done = figures.completions
    if done["shown"]:
        print(f"\nghost text: {done['accepted']} of {done['shown']} suggestions taken "
              f"({figures.completion_rate:.0%}), {done['accepted_chars']} characters")
    for note in figures.notes:
        print(f"note: {note}")
    return OK


def _line(group: Figures) -> str:
    """One group's figures on a line."""
    parts = [f"{group.hunks} hunk{'s' * (group.hunks != 1)}"]
    if group.hunks:
        parts.append(f"{group.accept_rate:.0%} accepted ({group.edited} edited), {group.rejected} rejected "
                     f"({group.commented} with a comment)")
        parts.append(f"{group.median_seconds:.1f} s/hunk")
        if group.seconds_per_100_lines is not None:
            parts.append(f"{group.seconds_per_100_lines:.0f} s/100 lines")
    parts.append(f"{group.input_tokens:,}↑ {group.output_tokens:,}↓ ${group.cost:.4f}")
    return " · ".join(parts)
