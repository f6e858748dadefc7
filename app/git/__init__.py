"""Git, as Exosuit uses it: the working tree as a ChangeSet (`worktree`), the checkpoint recorded
with every AI change and undone or rewound from (`checkpoints`), and what the repository is in
the middle of (`state`)."""
