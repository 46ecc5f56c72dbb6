import io

import pytest

from archiver.package.manifest import fixity, format_manifest, parse_manifest, safe_relative


def test_manifest_round_trip_is_sorted_and_parseable():
    digests = {"b/x.txt": fixity(io.BytesIO(b"x")), "a.txt": fixity(io.BytesIO(b"a"))}
    text = format_manifest(digests).decode()
    assert text.splitlines()[0].endswith("  a.txt")
    entries, problems = parse_manifest(text)
    assert entries == digests and problems == []


@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "a/../../x", "~/x", "a\\b", "", "C:/x", "./a"])
def test_unsafe_paths_are_refused(path):
    assert not safe_relative(path)
    _, problems = parse_manifest(f"{'0' * 64}  {path}\n")
    assert problems


def test_bad_lines_and_duplicates_are_reported():
    text = f"zz  a\n{'0' * 64}  a\n{'0' * 64}  a\n"
    _, problems = parse_manifest(text)
    assert [p.where for p in problems] == ["manifest-sha256.txt:1", "manifest-sha256.txt:3"]
