from __future__ import annotations

from mirrormanager.scanner.filelist import FileEntry, short_filelist


def test_small_directories_keep_every_file_sorted_by_name() -> None:
    files = [FileEntry("b.iso", 2, 5), FileEntry("a.rpm", 1, 9), FileEntry("c.txt", 3, 1)]
    assert [f.name for f in short_filelist(files, 10, 3)] == ["a.rpm", "b.iso", "c.txt"]


def test_crowded_package_directory_keeps_the_newest_few() -> None:
    files = [FileEntry(f"p{i:02}.rpm", i, 1000 + i) for i in range(11)]
    kept = short_filelist(files, 10, 3)
    assert [f.name for f in kept] == ["p08.rpm", "p09.rpm", "p10.rpm"]


def test_threshold_is_per_kind_and_strict() -> None:
    files = [FileEntry(f"p{i}.rpm", 1, i) for i in range(10)]
    files += [FileEntry(f"d{i}.drpm", 1, i) for i in range(10)]
    assert len(short_filelist(files, 10, 3)) == 20
