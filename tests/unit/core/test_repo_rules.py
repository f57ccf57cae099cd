"""Repository rules: the shipped Fedora/EPEL rule set against real paths, and rule parsing."""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.core.repo_rules import RepoMatch, RepoRule, match_repository, parse_rules
from mirrormanager.errors import ConfigError

LINUX = "Fedora Linux"
SECONDARY = "Fedora Secondary Arches"
ARCHIVE = "Fedora Archive"
EPEL = "Fedora EPEL"
OTHER = "Fedora Other"
CATEGORIES = (LINUX, SECONDARY, ARCHIVE, EPEL, OTHER)


@functools.cache
def shipped_rules() -> tuple[RepoRule, ...]:
    text = (resources.files("mirrormanager") / "defaults" / "repo_rules.toml").read_text("utf-8")
    return parse_rules(tomllib.loads(text)["repo_rules"], "repo_rules.toml")


# Real repository directories, relative to each category's top directory, with what the
# shipped rules must say: "PREFIX VERSION ARCH" ("-" = no prefix, a trailing "test" = is_test)
# or None for "not a repository". Prefixes are the repo ids of Fedora's and EPEL's .repo files.
REAL_PATHS_BY_CATEGORY: dict[str, list[tuple[str, str | None]]] = {
    LINUX: [  # pub/fedora/linux
        ("releases/41/Everything/x86_64/os", "fedora-41 41 x86_64"),
        ("releases/41/Everything/x86_64/debug/tree", "fedora-debug-41 41 x86_64"),
        ("releases/41/Everything/source/tree", "fedora-source-41 41 source"),
        ("development/42/Everything/aarch64/os", "fedora-42 42 aarch64"),
        ("development/42/Everything/aarch64/debug/tree", "fedora-debug-42 42 aarch64"),
        ("development/42/Everything/source/tree", "fedora-source-42 42 source"),
        ("development/rawhide/Everything/x86_64/os", "rawhide development x86_64"),
        ("development/rawhide/Everything/x86_64/debug/tree", "rawhide-debug development x86_64"),
        ("development/rawhide/Everything/source/tree", "rawhide-source development source"),
        ("updates/41/Everything/x86_64", "updates-released-f41 41 x86_64"),
        ("updates/41/Everything/x86_64/debug", "updates-released-debug-f41 41 x86_64"),
        ("updates/41/Everything/source/tree", "updates-released-source-f41 41 source"),
        ("updates/testing/41/Everything/x86_64", "updates-testing-f41 41 x86_64"),
        ("updates/testing/41/Everything/x86_64/debug", "updates-testing-debug-f41 41 x86_64"),
        ("updates/testing/41/Everything/source/tree", "updates-testing-source-f41 41 source"),
        ("releases/test/42_Beta/Everything/x86_64/os", "- 42_Beta x86_64 test"),
        ("releases/test/42_Beta/Everything/x86_64/debug/tree", "- 42_Beta x86_64 test"),
        ("releases/test/42_Beta/Everything/source/tree", "- 42_Beta source test"),
        ("releases/41/Server/x86_64/os", None),
        ("releases/41/Workstation/x86_64/os", None),
        ("releases/41/Cloud/x86_64/os", None),
        ("releases/41/Spins/x86_64/os", None),
        ("releases/41/Kinoite/x86_64/os", None),
        ("releases/test/42_Beta/Server/x86_64/os", None),
        ("releases/41/Everything/x86_64/os/Packages", None),
        ("9/Everything/x86_64", None),
    ],
    SECONDARY: [  # pub/fedora-secondary
        ("releases/41/Everything/ppc64le/os", "fedora-41 41 ppc64le"),
        ("releases/41/Everything/s390x/debug/tree", "fedora-debug-41 41 s390x"),
        ("development/rawhide/Everything/s390x/os", "rawhide development s390x"),
        ("updates/testing/41/Everything/ppc64le/debug", "updates-testing-debug-f41 41 ppc64le"),
    ],
    ARCHIVE: [  # pub/archive: old Fedora, old secondary arches, old EPEL
        ("fedora/linux/releases/38/Everything/x86_64/os", "fedora-38 38 x86_64"),
        ("fedora/linux/releases/38/Everything/source/tree", "fedora-source-38 38 source"),
        ("fedora/linux/updates/38/Everything/x86_64/debug", "updates-released-debug-f38 38 x86_64"),
        (
            "fedora/linux/updates/testing/38/Everything/source/tree",
            "updates-testing-source-f38 38 source",
        ),
        ("fedora/linux/releases/test/38_Beta/Everything/x86_64/os", "- 38_Beta x86_64 test"),
        ("fedora/linux/releases/38/Modular/x86_64/os", "fedora-modular-38 38 x86_64"),
        ("fedora/linux/updates/30/Modular/aarch64", "updates-released-modular-f30 30 aarch64"),
        ("fedora/linux/updates/testing/30/Modular/x86_64", "updates-testing-modular-f30 30 x86_64"),
        ("fedora/linux/releases/20/Everything/x86_64/debug", "fedora-debug-20 20 x86_64"),
        ("fedora/linux/releases/20/Everything/source/SRPMS", "fedora-source-20 20 source"),
        ("fedora/linux/releases/20/Fedora/x86_64/os", "fedora-install-20 20 x86_64"),
        ("fedora/linux/releases/20/Fedora/source/SRPMS", None),
        ("fedora/linux/updates/20/i386", "updates-released-f20 20 i386"),
        ("fedora/linux/updates/20/SRPMS", "updates-released-source-f20 20 source"),
        ("fedora/linux/updates/testing/20/x86_64/debug", "updates-testing-debug-f20 20 x86_64"),
        ("fedora-secondary/releases/30/Everything/ppc64le/os", "fedora-30 30 ppc64le"),
        ("fedora/linux/core/6/x86_64/os", None),
        ("epel/7/x86_64", "epel-7 7 x86_64"),
        ("epel/7/x86_64/debug", "epel-debug-7 7 x86_64"),
        ("epel/7/SRPMS", "epel-source-7 7 source"),
        ("epel/testing/7/x86_64", "testing-epel7 7 x86_64"),
        ("epel/6/i386", "epel-6 6 i386"),
        ("epel/8/Everything/aarch64", "epel-8 8 aarch64"),
        ("epel/8/Modular/x86_64", "epel-modular-8 8 x86_64"),
        ("epel/testing/8/Modular/x86_64/debug", "testing-modular-debug-epel8 8 x86_64"),
        ("epel/playground/8/Everything/x86_64", "playground-epel8 8 x86_64"),
        ("epel/next/8/Everything/x86_64", "epel-next-8 8 x86_64"),
    ],
    EPEL: [  # pub/epel
        ("9/Everything/x86_64", "epel-9 9 x86_64"),
        ("9/Everything/x86_64/debug", "epel-debug-9 9 x86_64"),
        ("9/Everything/source/tree", "epel-source-9 9 source"),
        ("testing/9/Everything/x86_64", "testing-epel9 9 x86_64"),
        ("testing/9/Everything/ppc64le/debug", "testing-debug-epel9 9 ppc64le"),
        ("testing/9/Everything/source/tree", "testing-source-epel9 9 source"),
        ("next/9/Everything/x86_64", "epel-next-9 9 x86_64"),
        ("next/9/Everything/x86_64/debug", "epel-next-debug-9 9 x86_64"),
        ("next/9/Everything/source/tree", "epel-next-source-9 9 source"),
        ("testing/next/9/Everything/x86_64", "epel-testing-next-9 9 x86_64"),
        ("testing/next/9/Everything/aarch64/debug", "epel-testing-next-debug-9 9 aarch64"),
        ("testing/next/9/Everything/source/tree", "epel-testing-next-source-9 9 source"),
        ("10/Everything/x86_64", "epel-10 10 x86_64"),
        ("10.1/Everything/x86_64", "epel-10.1 10.1 x86_64"),
        ("10.1/Everything/s390x/debug", "epel-debug-10.1 10.1 s390x"),
        ("testing/10.1/Everything/x86_64", "testing-epel10.1 10.1 x86_64"),
        ("7/x86_64", "epel-7 7 x86_64"),
        ("7/x86_64/debug", "epel-debug-7 7 x86_64"),
        ("7/SRPMS", "epel-source-7 7 source"),
        ("testing/7/ppc64", "testing-epel7 7 ppc64"),
        ("testing/7/SRPMS", "testing-source-epel7 7 source"),
        ("9/Everything", None),
        ("releases/41/Everything/x86_64/os", None),
    ],
    OTHER: [  # pub/alt: never repositories
        ("releases/41/Everything/x86_64/os", None),
        ("stage/41_Beta-1.1/Everything/x86_64/os", None),
    ],
}
REAL_PATHS = [
    (category, relpath, expected)
    for category, rows in REAL_PATHS_BY_CATEGORY.items()
    for relpath, expected in rows
]
REPOSITORIES = [(c, p) for c, p, expected in REAL_PATHS if expected is not None]


@pytest.mark.parametrize(("category", "relpath", "expected"), REAL_PATHS)
def test_shipped_rules_name_real_repositories(
    category: str, relpath: str, expected: str | None
) -> None:
    found = match_repository(shipped_rules(), category, relpath)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        prefix, version, arch, *flags = expected.split()
        assert (found.prefix, found.version, found.arch, found.is_test) == (
            None if prefix == "-" else prefix,
            version,
            arch,
            flags == ["test"],
        )


@pytest.mark.parametrize(("category", "relpath"), REPOSITORIES)
def test_real_repositories_match_exactly_one_shipped_rule(category: str, relpath: str) -> None:
    # The shipped rules do not overlap, so reordering them cannot silently change a repo id.
    matching = [
        i
        for i, rule in enumerate(shipped_rules())
        if (not rule.categories or category in rule.categories) and rule.path.fullmatch(relpath)
    ]
    assert len(matching) == 1


# --- properties of the shipped rules ---------------------------------------------------

ARCHES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
RELEASES = st.integers(min_value=1, max_value=10**6)


@given(release=RELEASES, arch=ARCHES, category=st.sampled_from([LINUX, SECONDARY]))
def test_any_fedora_release_gets_its_number(release: int, arch: str, category: str) -> None:
    found = match_repository(shipped_rules(), category, f"releases/{release}/Everything/{arch}/os")
    assert found is not None
    assert (found.prefix, found.version, found.arch) == (f"fedora-{release}", str(release), arch)


@given(release=RELEASES, arch=ARCHES)
def test_any_fedora_update_gets_its_number(release: int, arch: str) -> None:
    found = match_repository(shipped_rules(), LINUX, f"updates/{release}/Everything/{arch}/debug")
    assert found is not None
    assert found.prefix == f"updates-released-debug-f{release}"


@given(
    major=st.integers(min_value=1, max_value=999),
    minor=st.none() | st.integers(min_value=0, max_value=99),
    arch=ARCHES,
)
def test_any_epel_release_keeps_its_minor(major: int, minor: int | None, arch: str) -> None:
    version = str(major) if minor is None else f"{major}.{minor}"
    stable = match_repository(shipped_rules(), EPEL, f"{version}/Everything/{arch}")
    testing = match_repository(shipped_rules(), EPEL, f"testing/{version}/Everything/{arch}")
    assert stable is not None and testing is not None
    assert (stable.prefix, stable.version) == (f"epel-{version}", version)
    assert (testing.prefix, testing.version) == (f"testing-epel{version}", version)


@pytest.mark.parametrize(
    ("category", "relpath"),
    [(c, p) for c, p in REPOSITORIES if c == LINUX and "rawhide" not in p],
)
def test_archived_fedora_tree_keeps_its_ids(category: str, relpath: str) -> None:
    # move-to-archive moves a release under pub/archive/fedora/linux: clients keep asking
    # for the same repo ids, so the archive must name it the same way.
    live = match_repository(shipped_rules(), category, relpath)
    archived = match_repository(shipped_rules(), ARCHIVE, f"fedora/linux/{relpath}")
    assert archived == live


# Fuzz with the path components of the real trees, mixed with arbitrary text.
PATH_WORDS = sorted({word for _, relpath, _ in REAL_PATHS for word in relpath.split("/")})


@given(
    category=st.sampled_from(CATEGORIES),
    relpath=st.lists(
        st.sampled_from(PATH_WORDS) | st.text(min_size=1, max_size=8), min_size=1, max_size=8
    ).map("/".join),
)
def test_any_match_is_one_component_version_and_arch_named_in_prefix(
    category: str, relpath: str
) -> None:
    found = match_repository(shipped_rules(), category, relpath)
    if found is not None:
        assert found.version and "/" not in found.version
        assert found.arch and "/" not in found.arch
        # Every shipped repo id carries its version, except rawhide's ("development").
        if found.prefix is not None and not found.prefix.startswith("rawhide"):
            assert found.version in found.prefix


# --- match_repository semantics ----------------------------------------------------------


def rules(*entries: dict[str, object]) -> tuple[RepoRule, ...]:
    return parse_rules(list(entries), "test.toml")


def test_first_matching_rule_wins() -> None:
    ruleset = rules(
        {"path": r"(?P<version>\d+)/(?P<arch>\w+)", "prefix": "first-{version}"},
        {"path": r"(?P<version>\d+)/(?P<arch>\w+)", "prefix": "second-{version}"},
    )
    assert match_repository(ruleset, "Any", "9/x86_64") == RepoMatch(
        prefix="first-9", version="9", arch="x86_64", is_test=False, rule_index=0
    )


def test_rule_of_another_category_is_skipped() -> None:
    ruleset = rules(
        {"path": r"(?P<version>\d+)/(?P<arch>\w+)", "prefix": "a-{version}", "categories": ["A"]},
        {"path": r"(?P<version>\d+)/(?P<arch>\w+)", "prefix": "b-{version}"},
    )
    a = match_repository(ruleset, "A", "9/x86_64")
    b = match_repository(ruleset, "B", "9/x86_64")
    assert a is not None and (a.prefix, a.rule_index) == ("a-9", 0)
    assert b is not None and (b.prefix, b.rule_index) == ("b-9", 1)


def test_pattern_must_match_the_whole_path() -> None:
    ruleset = rules({"path": r"(?P<version>\d+)/(?P<arch>\w+)", "prefix": "p"})
    assert match_repository(ruleset, "Any", "9/x86_64") is not None
    assert match_repository(ruleset, "Any", "pub/9/x86_64") is None
    assert match_repository(ruleset, "Any", "9/x86_64/debug") is None


def test_optional_group_that_did_not_match_fills_empty() -> None:
    ruleset = rules(
        {
            "path": r"(?:(?P<kind>beta)/)?(?P<version>\d+)/(?P<arch>\w+)",
            "prefix": "x{kind}-{version}",
        }
    )
    plain = match_repository(ruleset, "Any", "9/x86_64")
    beta = match_repository(ruleset, "Any", "beta/9/x86_64")
    assert plain is not None and plain.prefix == "x-9"
    assert beta is not None and beta.prefix == "xbeta-9"


def test_empty_prefix_means_no_prefix() -> None:
    ruleset = rules(
        {"path": r"(?:(?P<name>\w+):)?(?P<version>\d+)/(?P<arch>\w+)", "prefix": "{name}"},
        {"path": r"test/(?P<version>\w+)/(?P<arch>\w+)", "prefix": "", "is_test": True},
    )
    assert ruleset[1].prefix is None
    filled_empty = match_repository(ruleset, "Any", "9/x86_64")
    literal_empty = match_repository(ruleset, "Any", "test/9_Beta/x86_64")
    assert filled_empty is not None and filled_empty.prefix is None
    assert literal_empty == RepoMatch(
        prefix=None, version="9_Beta", arch="x86_64", is_test=True, rule_index=1
    )


def test_rule_leaving_version_empty_defers_to_next_rule() -> None:
    ruleset = rules(
        {"path": r"(?:(?P<version>\d+)/)?(?P<arch>\w+)", "prefix": "first"},
        {"path": r"(?P<arch>\w+)", "prefix": "second", "version": "unversioned"},
    )
    found = match_repository(ruleset, "Any", "x86_64")
    assert found is not None
    assert (found.prefix, found.version, found.rule_index) == ("second", "unversioned", 1)


def test_literal_templates_and_categories_are_parsed() -> None:
    (rule,) = rules(
        {
            "path": r"rawhide/(?P<arch>\w+)",
            "prefix": "rawhide",
            "version": "development",
            "categories": ["Fedora Linux", "Fedora Linux", "Fedora Secondary Arches"],
        }
    )
    assert isinstance(rule.path, re.Pattern)
    assert rule.categories == frozenset({"Fedora Linux", "Fedora Secondary Arches"})
    found = match_repository([rule], "Fedora Secondary Arches", "rawhide/s390x")
    assert found is not None and (found.prefix, found.version, found.arch) == (
        "rawhide",
        "development",
        "s390x",
    )


def test_no_rules_no_match() -> None:
    assert parse_rules([], "test.toml") == ()
    assert match_repository((), "Fedora Linux", "releases/41/Everything/x86_64/os") is None


# --- parse_rules errors ------------------------------------------------------------------

GOOD = {"path": r"(?P<version>\d+)/(?P<arch>\w+)", "prefix": "epel-{version}"}


def parse_error(raw: object) -> str:
    with pytest.raises(ConfigError) as info:
        parse_rules(raw, "site.toml")
    assert info.value.exit_code == 2
    return str(info.value)


def test_unknown_key_is_named() -> None:
    message = parse_error([GOOD, {**GOOD, "colour": "red"}])
    assert "repo_rules[1].colour" in message
    assert "site.toml" in message
    assert "is_test" in message  # the hint lists the keys that do exist


def test_regex_that_does_not_compile_is_named() -> None:
    message = parse_error([GOOD, GOOD, GOOD, {**GOOD, "path": r"(?P<version>\d+/(?P<arch>\w+)"}])
    assert "repo_rules[3].path" in message
    assert "site.toml" in message
    assert "regular expression" in message


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        ({**GOOD, "prefix": "epel-{release}"}, "prefix", "'release'"),
        ({**GOOD, "version": "{major}.{minor}"}, "version", "'major'"),
        ({"path": r"(?P<version>\d+)/\w+", "prefix": "p"}, "arch", "'arch'"),
        ({"path": r"(?P<arch>\w+)", "prefix": "p"}, "version", "'version'"),
        ({**GOOD, "prefix": "epel-{}"}, "prefix", "empty {}"),
        ({**GOOD, "prefix": "epel-{0}"}, "prefix", "'0'"),
        ({**GOOD, "prefix": "epel-{version!r}"}, "prefix", "plain {version}"),
        ({**GOOD, "prefix": "epel-{version:>4}"}, "prefix", "plain {version}"),
        ({**GOOD, "prefix": "epel-{version"}, "prefix", "not a valid template"),
    ],
)
def test_bad_template_is_named(entry: dict[str, object], key: str, words: str) -> None:
    message = parse_error([entry])
    assert f"repo_rules[0].{key}" in message
    assert "site.toml" in message
    assert words in message


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("path", 3, "must be a string, got an integer"),
        ("prefix", False, "must be a string, got a boolean"),
        ("version", 41, "must be a string"),
        ("arch", ["x86_64"], "must be a string, got an array"),
        ("is_test", "yes", "must be true or false, got a string"),
        ("is_test", 1, "must be true or false, got an integer"),
        ("categories", "Fedora EPEL", "must be a list"),
        ("categories", ["Fedora EPEL", 7], "must be a list"),
    ],
)
def test_wrong_type_is_named(key: str, value: object, words: str) -> None:
    message = parse_error([{**GOOD, key: value}])
    assert f"repo_rules[0].{key}" in message
    assert "site.toml" in message
    assert words in message


@pytest.mark.parametrize("key", ["path", "prefix"])
def test_required_key_is_named(key: str) -> None:
    entry = {k: v for k, v in GOOD.items() if k != key}
    message = parse_error([entry])
    assert f"repo_rules[0].{key}" in message
    assert "required" in message


def test_entry_that_is_not_a_table_is_named() -> None:
    message = parse_error([GOOD, "releases/.*"])
    assert "repo_rules[1]" in message
    assert "must be a table, got a string" in message


def test_rules_that_are_not_a_list_are_refused() -> None:
    message = parse_error(GOOD)
    assert "'repo_rules'" in message
    assert "site.toml" in message
    assert "got a table" in message
