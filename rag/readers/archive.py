"""Zip files, read in place: each member a file of the archive, within limits on the number of
members, on each member's size and on its compression ratio (a zip bomb), and no member whose
path leaves the archive."""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path

from rag.readers.base import Blob, Limits, Skipped


def zip_blobs(path: Path, name: str, limits: Limits) -> Iterator[Blob | Skipped]:
    from rag.readers import READERS

    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except FileNotFoundError:
        yield Skipped(name, "the file disappeared while it was being ingested (deleted or moved); nothing of it was stored.")
        return
    except (zipfile.BadZipFile, OSError) as error:
        yield Skipped(name, f"not a readable zip file ({error}); check the file.")
        return
    files = [m for m in members if not m.is_dir()]
    if len(files) > limits.max_zip_members:
        yield Skipped(name, f"the zip holds {len(files)} files; at most {limits.max_zip_members} are read from one zip. Unpack it, or split it into smaller zips.")
        return
    total = 0
    for member in files:
        member_name = f"{name}/{member.filename}"
        normalized = posixpath.normpath(member.filename.replace("\\", "/"))
        if member.filename.startswith(("/", "\\")) or normalized.startswith("..") or ":" in normalized.split("/")[0]:
            yield Skipped(member_name, "the member's path leaves the archive (an unsafe zip); it is not read.")
            continue
        if any(part.startswith(".") for part in normalized.split("/")) or Path(normalized).suffix.lower() not in READERS:
            continue
        if member.flag_bits & 0x1:
            yield Skipped(member_name, "the member is encrypted; unpack it with its password first.")
            continue
        ratio = member.file_size / max(1, member.compress_size)
        if ratio > limits.max_zip_ratio and member.file_size > 1_000_000:
            yield Skipped(member_name, f"compressed {ratio:.0f} times ({member.file_size / 1_000_000:.0f} MB unpacked): a zip bomb, not an article; it is not read.")
            continue
        total += member.file_size
        if total > limits.max_file_bytes:
            yield Skipped(member_name, f"the zip unpacks to more than {limits.max_file_bytes / 1_000_000:.0f} MB; the rest of it is not read. Unpack it into a folder.")
            return
        yield Blob(name=f"{name}/{normalized}", file=name, size=member.file_size, open=lambda m=member: archive.open(m))
