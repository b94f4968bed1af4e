"""The run folder's safety: crmlab's marker, the destination lock, temporary folders, signals.

A run folder is crmlab's when it holds a ``.crmlab-run`` marker, written last, listing every file
crmlab wrote there with its size and SHA-256. A destination is replaced only when it is absent,
empty, or such a folder holding nothing else: a file the marker does not list, or one changed
since, makes the run refuse before any kernel starts. Removing a replaced run folder deletes only
the files its marker lists, so a byte crmlab did not write is never deleted.

Two runs into one destination are serialised by an OS lock on ``.<name>.lock`` next to it (held
from the destination check to the verified final rename and then removed); the second run
refuses with one line. Temporary folders are named ``.<name>.tmp-<pid>-<hex>`` and hold a
``.crmlab-tmp`` marker with the process id and host; a later run sweeps those of processes that
are no longer alive. SIGTERM is handled like SIGINT (the run cleans up and exits), and both are
deferred while the finished run is being renamed into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import threading
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from crmlab.errors import CrmlabError, CrmlabWarning, ParameterError

__all__ = [
    "MARKER",
    "DestinationLock",
    "RunFolderError",
    "RunFolderLost",
    "check_destination",
    "check_inputs_outside",
    "deferred_signals",
    "interrupts_on_sigterm",
    "make_temp_dir",
    "read_marker",
    "remove_run_folder",
    "replace_dir",
    "sweep_stale",
    "verify_run_folder",
    "write_marker",
]

MARKER = ".crmlab-run"
TMP_MARKER = ".crmlab-tmp"
MARKER_FORMAT = 1
#: Longest suffix crmlab adds to the destination's name: ``.<name>.tmp-<pid>-<8 hex>``.
_SUFFIX_BYTES = len("..tmp--") + 10 + 8
#: Room kept below PATH_MAX for the files inside a run folder (``NN_name.client.html``).
_INSIDE_BYTES = 128
_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-[0-9a-f]{8}$")


class RunFolderError(ParameterError):
    """The destination cannot be used (found before any kernel starts)."""


class RunFolderLost(CrmlabError, RuntimeError):
    """A finished run is not where it should be after the final rename."""


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------------
# the marker
# ------------------------------------------------------------------------------------------------
def _walk(folder: Path) -> Iterator[tuple[str, Path, str]]:
    """``(relative posix path, path, kind)`` for every entry below ``folder`` (links not followed).

    ``kind`` is ``"file"``, ``"dir"`` or ``"other"`` (symlinks, devices, pipes, sockets).
    """
    for root, dirs, files in os.walk(folder, followlinks=False):
        base = Path(root)
        for name in sorted(dirs + files):
            path = base / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                yield rel, path, "other"
            elif path.is_dir():
                yield rel, path, "dir"
            elif path.is_file():
                yield rel, path, "file"
            else:
                yield rel, path, "other"


def write_marker(folder: Path, run_id: str, token: str | None = None) -> dict[str, Any]:
    """Write ``folder/.crmlab-run`` listing every file below ``folder``; returns its content."""
    files = {}
    for rel, path, kind in _walk(folder):
        if kind == "file" and rel != MARKER:
            files[rel] = {"bytes": path.stat().st_size, "sha256": _hash(path)}
    content = {
        "crmlab_run": MARKER_FORMAT,
        "run_id": run_id,
        "token": token or secrets.token_hex(8),
        "files": files,
    }
    (folder / MARKER).write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
    return content


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a crmlab run folder, or None when there is none or it is not one of ours."""
    path = folder / MARKER
    if path.is_symlink() or not path.is_file():
        return None
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(content, dict)
        or content.get("crmlab_run") != MARKER_FORMAT
        or not isinstance(content.get("files"), dict)
    ):
        return None
    return content


def foreign_entries(folder: Path, marker: dict[str, Any], limit: int | None = None) -> list[str]:
    """Entries below a marked ``folder`` that crmlab did not write (or that changed since).

    With ``limit``, the walk stops once that many are found (a forged marker in a big folder
    must not make crmlab walk and hash all of it).
    """
    listed: dict[str, Any] = marker["files"]
    parents = {p.as_posix() for rel in listed for p in Path(rel).parents if str(p) != "."}
    foreign = []
    for rel, path, kind in _walk(folder):
        if limit is not None and len(foreign) >= limit:
            break
        if rel == MARKER:
            continue
        if kind == "dir":
            if rel not in parents:
                foreign.append(rel + "/")
            continue
        record = listed.get(rel)
        if kind != "file" or not isinstance(record, dict):
            foreign.append(rel)
            continue
        try:
            same = path.stat().st_size == record.get("bytes") and _hash(path) == record.get(
                "sha256"
            )
        except OSError:
            same = False
        if not same:
            foreign.append(f"{rel} (changed since crmlab wrote it)")
    return foreign


def _listing(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (" and more" if len(names) > limit else "")


# ------------------------------------------------------------------------------------------------
# the destination
# ------------------------------------------------------------------------------------------------
def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # pragma: no cover - not POSIX
        return 255


def _path_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):  # pragma: no cover - not POSIX
        return 4096


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if os.path.lexists(parent):
            return parent
    return Path(path.anchor)  # pragma: no cover - the root exists


def check_destination(out: Path) -> None:
    """Refuse an ``--out`` that crmlab must not (or cannot) replace; see the module docstring.

    Raises
    ------
    RunFolderError
        One line naming the folder, what is wrong and what to do.
    """
    shown = str(out)
    ancestor = _existing_ancestor(out)
    if not ancestor.is_dir():
        raise RunFolderError(
            f"--out {shown!r} lies under {str(ancestor)!r}, which is a file, not a folder; "
            "choose a folder elsewhere",
            parameter="out",
        )
    limit = _name_max(ancestor)
    for part in out.relative_to(ancestor).parts:
        size = len(os.fsencode(part))
        if size > limit:
            raise RunFolderError(
                f"--out: the folder name {part[:40]!r}... is {size} bytes long, more than this "
                f"file system allows ({limit}); choose a shorter name",
                parameter="out",
            )
    size, room = len(os.fsencode(out.name)), limit - _SUFFIX_BYTES
    if size > room:
        raise RunFolderError(
            f"--out: the folder name {out.name[:40]!r}... is {size} bytes long; at most {room} "
            f"fit here (crmlab adds a suffix of up to {_SUFFIX_BYTES} for its temporary "
            "folder); choose a shorter name",
            parameter="out",
        )
    total = len(os.fsencode(str(out)))
    if total + _INSIDE_BYTES > _path_max(ancestor):
        raise RunFolderError(
            f"--out: the path is {total} bytes long, too long for the files of a run folder "
            f"(at most {_path_max(ancestor) - _INSIDE_BYTES}); choose a shorter path",
            parameter="out",
        )
    if out.is_symlink():
        raise RunFolderError(
            f"--out {shown!r} is a symbolic link; pass the folder it points to "
            f"({os.path.realpath(out)!r}) or a new folder name",
            parameter="out",
        )
    if os.path.lexists(out) and not out.is_dir():
        raise RunFolderError(
            f"--out {shown!r} exists and is not a folder; choose a new folder name",
            parameter="out",
        )
    if not out.is_dir():
        return
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise RunFolderError(
            f"--out {shown!r} cannot be read ({exc.strerror or exc}); choose another folder",
            parameter="out",
        ) from None
    if empty:
        return
    marker = read_marker(out)
    if marker is None:
        raise RunFolderError(
            f"--out {shown!r} is a non-empty folder that is not a crmlab run folder (it has no "
            f"{MARKER} marker); choose a new or empty folder, nothing was changed",
            parameter="out",
        )
    foreign = foreign_entries(out, marker, limit=4)
    if foreign:
        raise RunFolderError(
            f"--out {shown!r} holds files crmlab did not write ({_listing(foreign)}); move them "
            "out or choose a new folder, nothing was changed",
            parameter="out",
        )


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives
        return False


def check_inputs_outside(out: Path, inputs: Iterable[tuple[str, str]]) -> None:
    """Refuse when an input (``(what, path)`` pairs; globs allowed) lies inside ``out``.

    ``out`` would be replaced by the run, so such an input would be deleted with it.
    """
    if not out.is_dir() or out.is_symlink():
        return
    folder = os.path.realpath(out)
    import glob

    for what, raw in inputs:
        if not raw:
            continue
        paths = [raw]
        if glob.has_magic(raw) and not os.path.lexists(raw):
            paths = glob.glob(raw) or [os.path.dirname(raw) or "."]
        for path in paths:
            real = os.path.realpath(path)
            if _inside(real, folder):
                raise RunFolderError(
                    f"{what} {raw!r} lies inside --out {str(out)!r}, which this run would "
                    "replace; move the file out of that folder or choose another --out",
                    parameter="out",
                )


# ------------------------------------------------------------------------------------------------
# the lock
# ------------------------------------------------------------------------------------------------
def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class DestinationLock:
    """An exclusive OS lock on ``<parent>/.<name>.lock`` (``flock``; released if we die).

    ``acquire()`` returns False when another process holds it. The lock file is removed on
    release; a lock file left by a killed process holds no lock and is simply reused.
    """

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.path = dest.parent / f".{dest.name}.lock"
        self._fd: int | None = None

    def holder(self) -> str:
        """The process id written into the lock file by its holder ('' when unknown)."""
        try:
            return self.path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            return ""

    def acquire(self) -> bool:
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            except OSError as exc:
                raise RunFolderError(
                    f"cannot write next to {str(self.dest)!r} ({exc.strerror or exc}); choose "
                    "a folder you can write to",
                    parameter="out",
                ) from None
            try:
                locked = _try_lock(fd)
            except BaseException:
                os.close(fd)
                raise
            if not locked:
                os.close(fd)
                return False
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not unlinked by a releasing holder in between
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode("ascii"))
                self._fd = fd
                return True
            os.close(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def refusal(self) -> RunFolderError:
        pid = self.holder()
        who = f"another crmlab run (process {pid})" if pid else "another crmlab run"
        return RunFolderError(
            f"{who} is writing to {str(self.dest)!r}; wait until it has finished or choose "
            "another --out",
            parameter="out",
        )


# ------------------------------------------------------------------------------------------------
# temporary folders
# ------------------------------------------------------------------------------------------------
def _host() -> str:
    return socket.gethostname()


def make_temp_dir(parent: Path, name: str, kind: str = "tmp") -> Path:
    """``parent/.<name>.<kind>-<pid>-<hex>``, made with the user's umask, holding a pid marker."""
    for _ in range(100):
        path = parent / f".{name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        record = {"pid": os.getpid(), "host": _host()}
        (path / TMP_MARKER).write_text(json.dumps(record) + "\n", encoding="utf-8")
        return path
    raise FileExistsError(f"cannot create a temporary folder in {parent}")  # pragma: no cover


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # pragma: no cover
        return True
    return True


def _stale_owner(path: Path, pid: int) -> bool:
    """Whether ``path`` is a temporary folder of ours whose process is gone."""
    try:
        record = json.loads((path / TMP_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("pid") != pid or record.get("host") != _host():
        return False
    return pid != os.getpid() and not _alive(pid)


def sweep_stale(parent: Path, dest: Path | None = None) -> list[Path]:
    """Remove the temporary folders that dead crmlab runs left in ``parent``.

    Only folders named like crmlab's, holding crmlab's pid marker of a process that is no longer
    alive on this host, are touched. A dead run's ``.old-`` folder keeps a previous report: it is
    moved back to ``dest`` when ``dest`` is missing (the run died while swapping), and removed
    otherwise; only the caller holding ``dest``'s lock passes ``dest``.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _STALE.match(entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            continue
        if not _stale_owner(entry, int(match["pid"])):
            continue
        if match["kind"] == "old":
            if dest is None or match["name"] != dest.name:
                continue
            inner = entry / dest.name
            if inner.is_dir() and not os.path.lexists(dest):
                os.replace(inner, dest)
            elif inner.is_dir() and not remove_run_folder(inner):
                continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def remove_run_folder(folder: Path) -> bool:
    """Delete the files ``folder``'s marker lists, then its emptied folders; True if all gone.

    Anything else (a file crmlab did not write) stays where it is, with a warning.
    """
    marker = read_marker(folder)
    if marker is not None:
        for rel in marker["files"]:
            path = folder / rel
            if path.is_file() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()
        with contextlib.suppress(OSError):
            (folder / MARKER).unlink()
    for root, _dirs, _files in sorted(os.walk(folder), key=lambda t: -len(t[0])):
        with contextlib.suppress(OSError):
            os.rmdir(root)
    if os.path.lexists(folder):
        warnings.warn(
            f"kept {folder}: it holds files crmlab did not write", CrmlabWarning, stacklevel=2
        )
        return False
    return True


def replace_dir(new: Path, dest: Path) -> None:
    """Move ``new`` to ``dest``; a previous run folder there is swapped out and removed.

    The caller holds ``dest``'s lock. ``dest`` is checked again first: if it gained files crmlab
    did not write while the run was going on, nothing is replaced.
    """
    if os.path.lexists(dest) and dest.is_dir() and not any(dest.iterdir()):
        os.rmdir(dest)
    if not os.path.lexists(dest):
        os.replace(new, dest)
        return
    check_destination(dest)
    old = make_temp_dir(dest.parent, dest.name, kind="old")
    os.replace(dest, old / dest.name)
    try:
        os.replace(new, dest)
    except OSError:
        os.replace(old / dest.name, dest)  # put the previous report back
        shutil.rmtree(old, ignore_errors=True)
        raise
    if remove_run_folder(old / dest.name):
        shutil.rmtree(old, ignore_errors=True)


def verify_run_folder(folder: Path, token: str) -> None:
    """Check that ``folder`` is the run just written (its marker's token, every listed file).

    Raises
    ------
    RunFolderLost
        The report is not there (another process moved or removed it).
    """
    marker = read_marker(folder)
    missing: list[str] = []
    if marker is None or marker.get("token") != token:
        missing = [MARKER]
    else:
        for rel, record in marker["files"].items():
            path = folder / rel
            if not path.is_file() or path.stat().st_size != record.get("bytes"):
                missing.append(rel)
    if missing:
        raise RunFolderLost(
            f"the run was written, but {str(folder)!r} does not hold it after the final rename "
            f"({_listing(missing)} missing or changed): another program changed the folder; "
            "run again",
        )


# ------------------------------------------------------------------------------------------------
# signals
# ------------------------------------------------------------------------------------------------
_state = threading.local()


def _deferring() -> list[int] | None:
    return getattr(_state, "pending", None)


def _on_signal(signum: int, frame: Any) -> None:
    pending = _deferring()
    if pending is not None:
        pending.append(signum)
        return
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def interrupts_on_sigterm() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, as SIGINT does, so a run cleans up either way.

    Only in the main thread and only when SIGTERM/SIGINT have their default handlers (a program
    embedding crmlab keeps its own); the previous handlers are restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    defaults = {signal.SIGTERM: signal.SIG_DFL, signal.SIGINT: signal.default_int_handler}
    for signum, default in defaults.items():
        if signal.getsignal(signum) is default:
            previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM (as handled by :func:`interrupts_on_sigterm`) until the block ends."""
    outer = _deferring()
    if outer is not None:
        yield
        return
    _state.pending = []
    try:
        yield
    finally:
        pending, _state.pending = _state.pending, None
        if pending:
            raise KeyboardInterrupt(signal.Signals(pending[0]).name)
