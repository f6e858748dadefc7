"""Fixed ChangeSets for screenshots, snapshot tests and the review benchmark.

`SAMPLE_FILES` is a small repository (path -> text); `sample_changeset()` is a realistic edit of
it; `whitespace_changeset()` edits `WHITESPACE_FILES` with changes that only the review's
whitespace and line-ending marks show; `large_changeset()` is a synthetic diff of a chosen size.
"""

from __future__ import annotations

from app.edits.changeset import ChangeSet, FileChange

SERVER_OLD = '''\
"""A tiny HTTP server for the health checks."""

import json
import logging
from http.server import BaseHTTPRequestHandler, HTTPServer

log = logging.getLogger(__name__)
PORT = 8080


class Handler(BaseHTTPRequestHandler):
    """Answers GET /health with the service status."""

    def do_GET(self):
        if self.path != "/health":
            self.send_error(404)
            return
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        log.info(format, *args)


def serve(port=PORT):
    server = HTTPServer(("", port), Handler)
    log.info("listening on %d", port)
    server.serve_forever()


if __name__ == "__main__":
    serve()
'''

SERVER_NEW = '''\
"""A tiny HTTP server for the health and readiness checks."""

import json
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)
PORT = 8080
STARTED = time.monotonic()


class Handler(BaseHTTPRequestHandler):
    """Answers GET /health and GET /ready with the service status."""

    def do_GET(self):
        if self.path not in ("/health", "/ready"):
            self.send_error(404, "unknown check")
            return
        uptime = round(time.monotonic() - STARTED, 3)
        body = json.dumps({"status": "ok", "uptime": uptime}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        log.info(format, *args)


def serve(port=PORT):
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    log.info("listening on 127.0.0.1:%d", port)
    server.serve_forever()


if __name__ == "__main__":
    serve()
'''

README_OLD = """\
# healthd

A tiny server that answers health checks.

Run it with `python server.py` and ask `curl localhost:8080/health`.
"""

README_NEW = """\
# healthd

A tiny server that answers health and readiness checks.

Run it with `python server.py` and ask `curl localhost:8080/health`
or `curl localhost:8080/ready`. It listens on 127.0.0.1 only.
"""

TEST_NEW = '''\
import json
import threading
import urllib.request

from server import Handler, ThreadingHTTPServer


def test_ready_reports_uptime():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/ready"
    body = json.loads(urllib.request.urlopen(url).read())
    assert body["status"] == "ok"
    assert body["uptime"] >= 0
    server.shutdown()
'''

LEGACY_OLD = """\
# Deprecated: use server.py
from server import serve

serve(8081)
"""

SAMPLE_FILES = {"server.py": SERVER_OLD, "README.md": README_OLD, "legacy.py": LEGACY_OLD}
"""The repository the sample ChangeSet applies to."""


def sample_changeset() -> ChangeSet:
    """A realistic model edit: a modified module (4 hunks), a new test, a README edit, a deletion."""
    return ChangeSet(
        [
            FileChange("server.py", SERVER_OLD, SERVER_NEW),
            FileChange("test_server.py", None, TEST_NEW),
            FileChange("README.md", README_OLD, README_NEW),
            FileChange("legacy.py", LEGACY_OLD, None),
        ]
    )


CONFIG_OLD = (  # with spaces ending HOST's line and a line of spaces, which the edit removes
    '"""Settings read from the environment."""\n'
    "\n"
    "import os\n"
    "\n"
    'HOST = os.environ.get("HOST", "127.0.0.1")   \n'
    'PORT = int(os.environ.get("PORT", "8080"))\n'
    "    \n"
    "def address():\n"
    '    return f"{HOST}:{PORT}"\n'
)

CONFIG_NEW = (
    '"""Settings read from the environment."""\n'
    "\n"
    "import os\n"
    "\n"
    'HOST = os.environ.get("HOST", "127.0.0.1")\n'
    'PORT = int(os.environ.get("PORT", "8080"))\n'
    'TIMEOUT = float(os.environ.get("TIMEOUT", "5"))\n'
    "\n"
    "def address():\n"
    '    return f"{HOST}:{PORT}"'
)

MAKEFILE_OLD = ".PHONY: test lint\n\ntest:\n\tpytest -q\n\nlint:\n\truff check .\n"

MAKEFILE_NEW = ".PHONY: test lint fmt\n\ntest:\n\tpytest -q  \n\nlint:\n    ruff check .\n\nfmt:\n\truff format .\n"

WHITESPACE_FILES = {"config.py": CONFIG_OLD, "Makefile": MAKEFILE_OLD}
"""The repository the whitespace ChangeSet applies to."""


def whitespace_changeset() -> ChangeSet:
    """An edit whose changes are mostly invisible ones: trailing whitespace removed and added, a
    line of spaces emptied, a tab turned into spaces (which breaks the Makefile), and the final
    newline of config.py dropped (its last line otherwise unchanged)."""
    return ChangeSet(
        [FileChange("config.py", CONFIG_OLD, CONFIG_NEW), FileChange("Makefile", MAKEFILE_OLD, MAKEFILE_NEW)]
    )


def large_files(changed_lines: int = 10_000, files: int = 50) -> dict[str, tuple[str, str]]:
    """Old and new text of `files` Python files with `changed_lines` changed lines in all.

    Each file gets hunks of 4 removed + 4 added lines separated by 12 unchanged lines.
    """
    per_file = changed_lines // files
    out = {}
    for f in range(files):
        old, new = [], []
        for block in range(per_file // 8):
            for i in range(12):
                line = f"    value_{block}_{i} = compute({block}, {i})  # unchanged\n"
                old.append(line)
                new.append(line)
            for i in range(4):
                old.append(f"    total += weight[{i}] * sample_{block}[{i}]  # old formula\n")
                new.append(f"    total += weight[{i}] * sample_{block}[{i}] / scale  # new formula\n")
        header = f"def function_{f}(weight, scale):\n    total = 0\n"
        out[f"pkg/module_{f:02d}.py"] = (header + "".join(old), header + "".join(new))
    return out


def large_changeset(changed_lines: int = 10_000, files: int = 50) -> ChangeSet:
    """The ChangeSet of `large_files`: `changed_lines` changed lines (removed + added) in `files` files."""
    return ChangeSet([FileChange(p, old, new) for p, (old, new) in large_files(changed_lines, files).items()])
