"""Atomic files and locking: the one writer of every file kam writes."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from kam.errors import StoreError
from kam.i18n import t

DEFAULT_LOCK_TIMEOUT = 10.0


def fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_save(path: Path, save: Callable[[str], None], mode: int = 0o600,
                durable: bool = True) -> None:
    """Replace path with what save(temp_path) writes: temp file beside it, fsync, rename.

    mode is narrowed by the umask. A failure leaves path as it was and no temp file.
    durable=False skips the fsyncs, for derived data that kam checks on reading and
    works out again (after a power cut the file may be empty or short, never torn
    into another valid one).
    """
    try:  # a device, a FIFO or a folder is never replaced by a file (root could)
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file", str(path))
    except FileNotFoundError:
        pass
    tmp = _temp_beside(path)
    try:
        save(tmp)
        if durable:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.chmod(tmp, mode & ~_umask())
        for attempt in range(20):
            try:
                os.replace(tmp, path)
                break
            except PermissionError:
                # Windows refuses to replace a file another program has open.
                if os.name != "nt" or attempt == 19:
                    raise
                time.sleep(0.05)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def _temp_beside(path: Path) -> str:
    """A new empty file .NAME.RANDOM.tmp beside path, only the user's (tempfile.mkstemp's
    way, without importing tempfile and random on every write)."""
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            os.close(os.open(tmp, flags, 0o600))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(path.parent))


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600,
                       durable: bool = True) -> None:
    """Replace path with data, atomically (see atomic_save)."""

    def save(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)

    atomic_save(path, save, mode, durable)


class NotRegular(OSError):
    """A path that is a FIFO, a device, a directory or a link where kam keeps a file."""


def open_regular(path: Path, follow: bool = True) -> BinaryIO:
    """Open a file for reading only if it is a regular file: a FIFO is opened without
    blocking and refused (NotRegular), as are a device (/dev/zero would never end) and,
    with follow=False, a symbolic link (kam's own derived files are never links)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NotRegular(e.errno, "a symbolic link", str(path)) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotRegular(errno.EINVAL, "not a regular file", str(path))
    return os.fdopen(fd, "rb")


def remove_temp_files(directory: Path, prefix: str = ".") -> None:
    """Temp files a killed atomic write left behind."""
    for stale in directory.glob(f"{prefix}*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def refuse_links(*paths: Path, directory: bool = False) -> None:
    """kam writes only regular files it owns: a path that is a symbolic link, or that
    exists as something else (a device, a FIFO, a directory), is refused (exit 3).

    One lstat per path: a file another kam replaces or removes meanwhile is no error.
    """
    for path in paths:
        try:
            mode = os.lstat(path).st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        if stat.S_ISLNK(mode):
            raise StoreError(t("{path} is a symbolic link; kam does not write through links "
                               "(point --db at the real file, {value})",
                               path=path, value=path.resolve()))
        if not (stat.S_ISDIR(mode) if directory else stat.S_ISREG(mode)):
            raise StoreError(t("{path} is not a regular {value}; kam has not touched it",
                               path=path, value='directory' if directory else 'file'))


def lock_timeout() -> float:
    try:
        return float(os.environ.get("KAM_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


@contextlib.contextmanager
def locked(lock_path: Path, timeout: float) -> Iterator[None]:
    """An exclusive lock for one writer; StoreError when it is not had within timeout."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise StoreError(
                    t("another kam command is writing (lock {lock_path} held for {timeout:g} s); "
                      "try again, or raise KAM_LOCK_TIMEOUT",
                      lock_path=lock_path, timeout=timeout)
                )
            time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def try_locked(lock_path: Path) -> Iterator[bool]:
    """The writers' lock if it is free now (True), else nothing (False): for a reader
    that keeps derived data, which must not land between a writer's steps."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError:
        yield False
        return
    try:
        yield _try_lock(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
