"""The benchmark corpus, copied for a run: the first N articles, by file name."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path


def copy_articles(source: Path, count: int, folder: Path) -> list[Path]:
    """The first `count` articles of `source` (a folder of .txt files, or a .tar.gz of
    them), by file name, copied into `folder`, which is made; their paths, in order."""
    folder.mkdir(parents=True)
    if source.is_dir():
        for path in sorted(source.rglob("*.txt"))[:count]:
            shutil.copy2(path, folder / path.name)
    else:
        with tarfile.open(source) as archive:
            names = sorted(m.name for m in archive.getmembers() if m.isfile() and m.name.endswith(".txt"))
        chosen = set(names[:count])
        # A second pass in the archive's own order: reading a gzipped tar out of order
        # decompresses it from the start for every member.
        with tarfile.open(source) as archive:
            for member in archive:
                if member.name in chosen:
                    extracted = archive.extractfile(member)
                    assert extracted is not None
                    (folder / Path(member.name).name).write_bytes(extracted.read())
    return sorted(folder.glob("*.txt"))


def work_folder(prefix: str, workdir: Path | None, *, keep: bool) -> Path:
    """Where a benchmark puts its copies and indexes: with `keep`, `workdir` itself (made
    if need be), to reuse them next time; else a new folder, inside `workdir` if given, so
    that removing it at the end removes nothing else."""
    import tempfile

    if keep:
        folder = workdir or Path(tempfile.mkdtemp(prefix=prefix))
        folder.mkdir(parents=True, exist_ok=True)
    else:
        if workdir:
            workdir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=workdir))
    return folder.resolve()
