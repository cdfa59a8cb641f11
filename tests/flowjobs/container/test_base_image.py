"""The base image's recipe: the machine's Debian mirror, the cache key, and nothing left mounted on failure.

The image itself is made and used by `make image-check` and tests/flowjobs/container/test_in_image.py.
"""

from __future__ import annotations

import pytest

from flowjobs.container import base_image


def test_the_mirror_is_read_from_deb822_and_one_line_sources(tmp_path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm\n"
    )
    assert base_image.apt_mirror(tmp_path) == "http://mirror.example/debian"
    (tmp_path / "sources.list.d" / "debian.sources").unlink()
    (tmp_path / "sources.list").write_text("deb [arch=amd64] http://other.example/debian/ bookworm main\n")
    assert base_image.apt_mirror(tmp_path) == "http://other.example/debian"
    (tmp_path / "sources.list").write_text("deb https://packages.example/apt stable main\n")
    assert base_image.apt_mirror(tmp_path) == base_image.DEFAULT_MIRROR


def test_the_cached_root_filesystem_is_keyed_by_mirror_and_certificates(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(base_image, "EXTRA_CERTIFICATES", tmp_path)
    plain = base_image.rootfs_key("http://a/debian")
    assert base_image.rootfs_key("http://b/debian") != plain
    (tmp_path / "proxy.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    assert base_image.rootfs_key("http://a/debian") != plain


def test_a_missing_debootstrap_is_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(base_image.engine.NoEngineError, match=r"no debootstrap to make one \(apt-get install"):
        base_image.make_rootfs(tmp_path / "cache" / "base.tar", "http://a/debian")
    assert not (tmp_path / "cache" / "base.tar").exists()
