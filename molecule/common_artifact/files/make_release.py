"""Packs the demo program as a release tarball for the Molecule scenario common_artifact.

usage: make_release.py PROGRAM VERSION OUTPUT [BUILD]

OUTPUT holds a top directory demo-VERSION/ with bin/demo and VERSION, like an upstream
release; with BUILD, also a file BUILD holding it (a rebuild of the same version, whose
tarball and sha256 differ). Every entry belongs to uid/gid 4242, so that a test can see the installer hand
the files to root. Python's tarfile rather than tar(1): GNU and BSD tar spell that differently.
"""

import io
import os
import sys
import tarfile
import time


def entry(name, mode, size=0, kind=tarfile.REGTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size = kind, mode, size
    info.uid = info.gid = 4242
    info.mtime = int(time.time())
    return info


def main():
    program, version, output = sys.argv[1:4]
    top = f"demo-{version}"
    with open(program, "rb") as handle:
        files = {f"{top}/bin/demo": (handle.read(), 0o755), f"{top}/VERSION": (f"{version}\n".encode(), 0o644)}
    if len(sys.argv) > 4:
        files[f"{top}/BUILD"] = (f"{sys.argv[4]}\n".encode(), 0o644)
    partial = f"{output}.partial"
    with tarfile.open(partial, "w:gz") as tar:
        for directory in (top, f"{top}/bin"):
            tar.addfile(entry(directory, 0o755, kind=tarfile.DIRTYPE))
        for name, (data, mode) in files.items():
            tar.addfile(entry(name, mode, len(data)), io.BytesIO(data))
    os.replace(partial, output)


if __name__ == "__main__":
    main()
