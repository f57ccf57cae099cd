"""Product and version from a repo prefix, for prefixes the database does not know."""

from __future__ import annotations

import pytest

from mirrormanager.stats.products import product_version


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("fedora-41", ("Fedora", "41")),
        ("fedora-debug-41", ("Fedora", "41")),
        ("updates-released-f41", ("Fedora", "41")),
        ("updates-testing-modular-source-f39", ("Fedora", "39")),
        ("fedora-install-42", ("Fedora", "42")),
        ("rawhide", ("Fedora", "rawhide")),
        ("rawhide-source", ("Fedora", "rawhide")),
        ("epel-9", ("EPEL", "9")),
        ("epel-10.1", ("EPEL", "10.1")),
        ("testing-epel9", ("EPEL", "9")),
        ("epel-testing-next-9", ("EPEL", "9")),
        ("centos-9", (None, None)),
        ("", (None, None)),
    ],
)
def test_product_version(prefix: str, expected: tuple[str | None, str | None]) -> None:
    assert product_version(prefix) == expected
