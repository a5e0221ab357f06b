"""The archive of dead process groups' metrics: what they counted stays counted.

``mabos.metrics.directory`` calls this (under its lock) when a process group's leader is gone. The archive
is a directory of ordinary multiprocess files (``counter_archive.db`` ...) that ``/metrics`` merges with
the live groups' files, reached through the ``archive`` symlink. A new archive is written beside the old
one and the symlink is switched in one rename, so a crash leaves either the old archive or the new one,
never half of one; ``merged.json`` in it lists the group ids it holds, so a group that was archived but
not yet removed when a crash came is never added twice.

Merging follows prometheus_client's own semantics: counters, histograms (raw per-bucket counts) and
summaries add up; ``mostrecent`` gauges keep the newest value, ``max``/``min`` the extreme, ``sum`` the
sum; per-process gauges (``live*`` and ``all``) die with their process, as ``mark_process_dead`` does.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

ARCHIVE_LINK = "archive"
#: A group's identity: a reused pid makes a new directory of the same name, never the same id.
GROUP_ID_FILE = ".group-id"
MERGED_FILE = "merged.json"

Combine = Callable[[tuple[float, float], tuple[float, float]], tuple[float, float]]


def group_id(folder: Path) -> str:
    try:
        return (folder / GROUP_ID_FILE).read_text().strip() or folder.name
    except OSError:
        return folder.name


def archived_group_ids(root: str | Path) -> set[str]:
    """The ids of the groups the current archive holds."""
    try:
        return set(json.loads((Path(root) / ARCHIVE_LINK / MERGED_FILE).read_text()))
    except (OSError, ValueError):
        return set()


def _add(old: tuple[float, float], new: tuple[float, float]) -> tuple[float, float]:
    return old[0] + new[0], max(old[1], new[1])


def _newest(old: tuple[float, float], new: tuple[float, float]) -> tuple[float, float]:
    return new if new[1] >= old[1] else old


def _largest(old: tuple[float, float], new: tuple[float, float]) -> tuple[float, float]:
    return new if new[0] > old[0] else old


def _smallest(old: tuple[float, float], new: tuple[float, float]) -> tuple[float, float]:
    return new if new[0] < old[0] else old


#: file prefix (``<type>`` or ``gauge_<mode>``) -> how two values of the same series combine.
KEPT: dict[str, Combine] = {
    "counter": _add,
    "histogram": _add,
    "summary": _add,
    "gauge_sum": _add,
    "gauge_mostrecent": _newest,
    "gauge_max": _largest,
    "gauge_min": _smallest,
}


def _prefix(path: Path) -> str | None:
    """``counter_123.db`` -> ``counter``; ``gauge_livesum_123.db`` -> None (dropped with its process)."""
    stem = path.name.removesuffix(".db")
    kind, _, rest = stem.partition("_")
    if kind == "gauge":
        mode = rest.partition("_")[0]
        prefix = f"gauge_{mode}"
        return prefix if prefix in KEPT else None
    return kind if kind in KEPT else None


def _merge_into(totals: dict[str, dict[str, tuple[float, float]]], files: Iterable[Path]) -> None:
    # Imported here, not at the top: mabos.metrics.directory imports this module before prometheus_client
    # may be loaded (it picks multiprocess mode at import, from a variable the directory has yet to set).
    from prometheus_client.mmap_dict import MmapedDict

    for path in files:
        prefix = _prefix(path)
        if prefix is None:
            continue
        series = totals.setdefault(prefix, {})
        combine = KEPT[prefix]
        try:
            values = MmapedDict.read_all_values_from_file(str(path))
        except (OSError, ValueError, struct.error):
            # Gone, or never written: a process killed between creating its file and sizing it leaves
            # an empty one. It counted nothing, so there is nothing to keep.
            continue
        for key, value, timestamp, _position in values:
            series[key] = combine(series[key], (value, timestamp)) if key in series else (value, timestamp)


def archive_groups(root: Path, folders: list[Path]) -> Path | None:
    """Add the files of ``folders`` (dead groups) to the archive; the caller holds the lock and removes them.

    Returns the new archive directory, or None when every folder was already archived.
    """
    root = Path(root)
    held = archived_group_ids(root)
    todo = [folder for folder in folders if group_id(folder) not in held]
    if not todo:
        return None
    link = root / ARCHIVE_LINK
    old_dir = link.resolve() if link.is_symlink() else None
    totals: dict[str, dict[str, tuple[float, float]]] = {}
    if old_dir is not None:
        _merge_into(totals, sorted(old_dir.glob("*.db")))
    for folder in todo:
        _merge_into(totals, sorted(folder.glob("*.db")))

    from prometheus_client.mmap_dict import MmapedDict  # here, not at the top: see _merge_into

    new_dir = root / f".archive-{uuid.uuid4().hex}"
    new_dir.mkdir()
    for prefix, series in totals.items():
        store = MmapedDict(str(new_dir / f"{prefix}_archive.db"))
        try:
            for key, (value, timestamp) in series.items():
                store.write_value(key, value, timestamp)
        finally:
            store.close()
    # Only ids of groups still on disk need remembering: a removed group cannot be archived again.
    still_there = {group_id(folder) for folder in root.glob("*-*") if folder.is_dir()}
    ids = (held & still_there) | {group_id(folder) for folder in todo}
    (new_dir / MERGED_FILE).write_text(json.dumps(sorted(ids)))

    temporary_link = root / f".archive-link-{uuid.uuid4().hex}"
    os.symlink(new_dir.name, temporary_link)
    os.replace(temporary_link, link)  # the one atomic step: readers see the old archive or the new one
    if old_dir is not None:
        shutil.rmtree(old_dir, ignore_errors=True)
    return new_dir
