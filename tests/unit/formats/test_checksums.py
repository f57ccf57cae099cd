from __future__ import annotations

from mirrormanager.formats.checksums import is_checksum_file, parse_checksums

SHA = "a" * 64


def test_fedora_bsd_style_with_pgp_armour() -> None:
    text = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
        f"# Fedora-Server-dvd-x86_64-41-1.4.iso: 2612854784 bytes\n"
        f"SHA256 (Fedora-Server-dvd-x86_64-41-1.4.iso) = {SHA}\n"
        "-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n"
    )
    assert parse_checksums(text) == {"Fedora-Server-dvd-x86_64-41-1.4.iso": {"sha256": SHA}}


def test_gnu_style_picks_algorithm_by_length() -> None:
    text = f"{'b' * 32}  one.iso\n{'c' * 128} *two.img\nnot a line\n{'d' * 63}  short.iso\n"
    assert parse_checksums(text) == {"one.iso": {"md5": "b" * 32}, "two.img": {"sha512": "c" * 128}}


def test_wrong_length_and_paths_rejected() -> None:
    assert parse_checksums(f"SHA256 (x.iso) = {'a' * 40}\n") == {}
    assert parse_checksums(f"SHA256 (../etc/passwd) = {SHA}\n") == {}


def test_checksum_file_names() -> None:
    for name in ["Fedora-Server-41-1.4-x86_64-CHECKSUM", "SHA256SUMS", "x.sha256sum", "md5sum.txt"]:
        assert is_checksum_file(name), name
    for name in ["repomd.xml", "CHECKSUM.iso", "foo.rpm"]:
        assert not is_checksum_file(name), name
