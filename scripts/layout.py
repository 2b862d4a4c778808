"""Mirror the working tree into build/ansible_collections/coder/coderd.

ansible-test and ansible-playbook only find the collection at that path, while the repository
may be cloned anywhere. The mirror is a copy rather than a symlink because the repository holds
build/ itself, and a link would make a loop for every tool that walks the tree. It holds what git
would commit (tracked files plus untracked files that are not ignored) so local clutter never
reaches sanity or lint; without git it copies everything but the local-only folders.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DEST = BUILD / "ansible_collections" / "coder" / "coderd"

# Local-only folders, skipped when listing without git.
LOCAL_ONLY = {".git", "build", "__pycache__", ".pytest_cache", ".ansible", ".cache", "collections"}
# Caches that tools write inside the mirror: pruning keeps them so they survive between runs.
TOOL_CACHES = {"__pycache__", ".pytest_cache"}


def source_files():
    """Relative paths of the files to mirror."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, check=True, capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return set(walk_without_git())
    # --cached still lists files deleted from the working tree but not from the index.
    return {name for name in listing.decode().split("\0") if name and (ROOT / name).is_file()}


def walk_without_git():
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in LOCAL_ONLY and not name.startswith(".venv")]
        for name in files:
            yield str((Path(folder) / name).relative_to(ROOT))


def is_tool_output(relative_folder):
    parts = relative_folder.parts
    return parts[:2] == ("tests", "output") or not TOOL_CACHES.isdisjoint(parts)


def sync(files):
    copied = 0
    for name in files:
        source, target = ROOT / name, DEST / name
        state = source.stat()
        try:
            current = target.stat()
            if (current.st_size, current.st_mtime_ns, current.st_mode) == (state.st_size, state.st_mtime_ns, state.st_mode):
                continue
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    return copied


def prune(files):
    removed = 0
    for folder, subfolders, names in os.walk(DEST, topdown=False):
        relative_folder = Path(folder).relative_to(DEST)
        if is_tool_output(relative_folder):
            continue
        for name in names:
            relative = str(relative_folder / name) if relative_folder.parts else name
            if relative not in files:
                os.unlink(os.path.join(folder, name))
                removed += 1
        if relative_folder.parts and not os.listdir(folder):
            os.rmdir(folder)
    return removed


def main():
    started = time.monotonic()
    files = source_files()
    copied = sync(files)
    removed = prune(files) if DEST.is_dir() else 0
    print("layout: %s has %d files (%d copied, %d removed) in %.2fs"
          % (DEST.relative_to(ROOT), len(files), copied, removed, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
