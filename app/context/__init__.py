"""What the model is shown of the repository: the files added to the conversation (`files`), the
files never shown unless the person insists (`secrets`), and the map of the whole repository's
definitions, ranked for the conversation (`repo_map`, from the tags in `tags`)."""

from app.context.files import (
    MAX_DIR_FILES,
    MAX_FILE_BYTES,
    Added,
    ContextError,
    ContextFiles,
    SecretFileError,
    Snapshot,
    changes_block,
    context_block,
    fenced,
    tokens_by_file,
)
from app.context.secrets import SECRET_NAMES, secret_reason
from app.edits.paths import repo_files

__all__ = [
    "MAX_DIR_FILES", "MAX_FILE_BYTES", "SECRET_NAMES", "Added", "ContextError", "ContextFiles", "SecretFileError",
    "Snapshot", "changes_block", "context_block", "fenced", "repo_files", "secret_reason", "tokens_by_file",
]
