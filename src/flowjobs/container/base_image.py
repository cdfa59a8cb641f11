"""The Dockerfile's base image, made from Debian's packages when no registry can be reached.

`ensure(tag)` keeps an image the engine already has, else pulls it, else builds an equivalent locally:
`debootstrap --variant=minbase` bookworm with python3, pip and venv from the machine's apt mirror, the PEP 668
marker removed (the image is the environment, so pip installs system-wide as in the official image), the
machine's extra CA certificates trusted (package traffic may pass a TLS-intercepting proxy) and SSL_CERT_FILE set.
The root filesystem is kept as a tarball in a cache folder outside the clone, so the next run on the same machine
only imports it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from flowjobs.container import engine

ENV_CACHE = "FLOWJOBS_IMAGE_CACHE"
DEFAULT_CACHE = Path("/var/cache/flowjobs")
SUITE = "bookworm"
PACKAGES = ("ca-certificates", "python3", "python3-pip", "python3-venv", "python-is-python3")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
EXTRA_CERTIFICATES = Path("/usr/local/share/ca-certificates")
CERT_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
IMAGE_CHANGES = (
    f"ENV SSL_CERT_FILE={CERT_BUNDLE}",
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["python3"]',
)


def cache_dir() -> Path:
    return Path(os.environ.get(ENV_CACHE) or DEFAULT_CACHE)


def apt_mirror(sources: Path = Path("/etc/apt")) -> str:
    """The machine's Debian mirror (the first `URIs:`/`deb` line naming a .../debian archive)."""
    files = sorted(sources.glob("sources.list.d/*.sources")) + sorted(sources.glob("sources.list*"))
    for path in (p for p in files if p.is_file()):
        for match in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^]]*\]\s+)?)(\S+)", path.read_text(), re.M):
            if match.group(1).rstrip("/").endswith("/debian"):
                return match.group(1).rstrip("/")
    return DEFAULT_MIRROR


def _certificates() -> list[Path]:
    return sorted(EXTRA_CERTIFICATES.glob("*.crt")) if EXTRA_CERTIFICATES.is_dir() else []


def rootfs_key(mirror: str) -> str:
    """What the root filesystem is made of: a new package list, mirror or certificate makes a new tarball."""
    digest = hashlib.sha256("\n".join([SUITE, mirror, *PACKAGES]).encode())
    for cert in _certificates():
        digest.update(cert.read_bytes())
    return digest.hexdigest()[:12]


def _chroot(root: Path, *args: str) -> None:
    subprocess.run(["chroot", str(root), *args], check=True, capture_output=True, text=True)


def unmount_under(root: Path) -> None:
    """What debootstrap left mounted inside the new root (/proc, /sys) when it stopped half-way: unmounted, so
    removing the scratch folder never reaches the host's."""
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for point in sorted((m for m in mounts if m.startswith(f"{root}/")), reverse=True):
        subprocess.run(["umount", "-l", point], check=False)


def make_rootfs(tarball: Path, mirror: str) -> None:
    """debootstrap into a scratch folder beside the tarball, adjust it, and pack it (written atomically)."""
    if not shutil.which("debootstrap"):
        raise engine.NoEngineError("no base image and no debootstrap to make one (apt-get install debootstrap)")
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tarball.parent, prefix="rootfs-") as scratch:
        root = Path(scratch) / "root"
        command = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(root), mirror]
        try:
            result = subprocess.run(command, capture_output=True, text=True)
        finally:
            unmount_under(root)
        if result.returncode != 0:
            raise RuntimeError(f"debootstrap failed: {(result.stdout + result.stderr).strip()[-2000:]}")
        for marker in root.glob("usr/lib/python3*/EXTERNALLY-MANAGED"):
            marker.unlink()
        for cert in _certificates():
            shutil.copy2(cert, root / "usr/local/share/ca-certificates" / cert.name)
        _chroot(root, "update-ca-certificates")
        for cached in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (root / cached).glob("*"):
                if item.is_file():
                    item.unlink()
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-cf", str(partial), "."], check=True)
        partial.rename(tarball)


def ensure(tag: str, log=print) -> str:
    """The base image under `tag`: kept, pulled, or imported from the cached (or newly made) root filesystem."""
    if engine.image_exists(tag):
        return "present"
    if engine.run(["pull", tag], check=False, timeout=600).returncode == 0:
        return "pulled"
    mirror = apt_mirror()
    tarball = cache_dir() / f"{SUITE}-python3-{rootfs_key(mirror)}.tar"
    how = "imported from the cached Debian root filesystem"
    if not tarball.exists():
        started = time.monotonic()
        log(f"{tag} cannot be pulled; making it from Debian packages ({mirror}) with debootstrap …")
        make_rootfs(tarball, mirror)
        how = f"made from Debian packages in {time.monotonic() - started:.0f} s"
    changes = [arg for change in IMAGE_CHANGES for arg in ("--change", change)]
    engine.run(["import", *changes, str(tarball), tag])
    return how
