"""Atomic file writes: nothing the user saved is lost or left half-written.

The bytes go to a temporary file beside the target, named `.<target name>.<pid>.<random>.tmp-gg`
so that it is recognisable: a save killed midway (SIGKILL, power loss) can leave one behind,
and the next save to the same path removes those whose writing process is gone.
"""
import os
import re
import secrets

_SUFFIX = ".tmp-gg"


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary_name(folder, name):
    return os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}{_SUFFIX}")


def _process_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True         # exists (another user's) or cannot tell: keep its file
    return True


def stale_temporaries(path):
    """Temporary files of earlier saves to `path` whose writing process no longer runs (also
    the `.tmp-XXXXXXXX-<name>` files of earlier glassgrad versions)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    ours = re.compile(rf"^\.{re.escape(name)}\.(\d+)\.[0-9a-f]{{8}}{re.escape(_SUFFIX)}$")
    older = re.compile(rf"^\.tmp-[a-z0-9_]{{8}}-{re.escape(name)}$")
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    stale = []
    for entry in entries:
        match = ours.match(entry)
        if (match and not _process_alive(int(match.group(1)))) or older.match(entry):
            stale.append(os.path.join(folder, entry))
    return stale


def write_atomic(path, data):
    """Write bytes `data` to exactly `path`: into a temporary file in the same folder, flushed
    to disk, then renamed over `path`. A failure at any point (an exception, including
    KeyboardInterrupt) leaves the old file intact and no temporary file behind; temporaries
    left by earlier saves to `path` that were killed are removed first. The new file gets the
    permissions a plain open() would give.

    Raises
    ------
    IsADirectoryError
        If `path` is an existing directory.
    FileNotFoundError
        If the folder of `path` does not exist.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save to {path}: it is a directory")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path}: the folder {folder} does not exist")
    for old in stale_temporaries(path):
        try:
            os.remove(old)
        except OSError:
            pass
    tmp = _temporary_name(folder, os.path.basename(path))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path
