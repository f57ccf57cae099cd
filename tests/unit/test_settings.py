from __future__ import annotations

from pathlib import Path

import pytest

from mirrormanager.cli.config import mask_url
from mirrormanager.core.hostport import HostPort
from mirrormanager.errors import ConfigError
from mirrormanager.settings import (
    DEFAULT_CONFIG_PATH,
    load_settings,
    resolve_config_path,
    settings_table,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mm.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_ship_fedora_categories_and_rules() -> None:
    settings = load_settings(env={}).settings
    names = [c.name for c in settings.categories]
    assert names == [
        "Fedora Linux",
        "Fedora Secondary Arches",
        "Fedora EPEL",
        "Fedora Archive",
        "Fedora Other",
    ]
    assert settings.category("Fedora EPEL").topdir == "pub/epel"
    assert len(settings.repo_rules) > 20
    assert (
        settings.effective_database_url == "sqlite:////var/lib/mirrormanager/mirrormanager.sqlite"
    )


def test_file_then_environment_override(tmp_path: Path) -> None:
    path = write(tmp_path, 'data_dir = "/tmp/mm"\nshort_filelist_keep = 5\nlog_level = "DEBUG"\n')
    loaded = load_settings(path, env={"MM_SHORT_FILELIST_KEEP": "7"})
    assert loaded.settings.data_dir == Path("/tmp/mm")
    assert loaded.settings.short_filelist_keep == 7
    assert loaded.sources["short_filelist_keep"] == "$MM_SHORT_FILELIST_KEEP"
    assert loaded.sources["log_level"] == str(path)


def test_mm_config_environment_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "short_filelist_keep = 4\n")
    assert resolve_config_path(None, {"MM_CONFIG": str(path)}) == path
    assert load_settings(env={"MM_CONFIG": str(path)}).settings.short_filelist_keep == 4
    explicit = tmp_path / "other.toml"
    assert resolve_config_path(explicit, {"MM_CONFIG": str(path)}) == explicit


def test_default_path_only_when_present() -> None:
    expected = DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None
    assert resolve_config_path(None, {}) == expected


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'databse_url = "sqlite://"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert "databse_url" in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('short_filelist_keep = "many"', "short_filelist_keep", "an integer"),
        ("master_prefix = 3", "master_prefix", "a path"),
        ('embargoed_countries = "CU"', "embargoed_countries", "a list of strings"),
        ('log_format = "xml"', "log_format", "one of"),
        ("short_filelist_keep = 0", "short_filelist_keep", "out of range"),
    ],
)
def test_wrong_types_name_key_and_file(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = write(tmp_path, text + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    message = str(info.value)
    assert key in message
    assert str(path) in message
    assert expected in message


def test_bad_category_table(tmp_path: Path) -> None:
    path = write(tmp_path, '[[categories]]\nname = "X"\nproduct = "P"\ntopdir = "a"\ncolour = 1\n')
    with pytest.raises(ConfigError, match=r"categories\[0\]\.colour"):
        load_settings(path, env={})


def test_categories_from_file_replace_the_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[categories]]\nname = "Rocky Linux"\nproduct = "Rocky"\ntopdir = "/pub/rocky/"\n',
    )
    settings = load_settings(path, env={}).settings
    assert [(c.name, c.topdir) for c in settings.categories] == [("Rocky Linux", "pub/rocky")]
    with pytest.raises(ConfigError, match="unknown category 'Fedora Linux'"):
        settings.category("Fedora Linux")


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "this is = = wrong"), env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


def test_environment_lists_and_booleans() -> None:
    settings = load_settings(env={"MM_EMBARGOED_COUNTRIES": "CU, KP"}).settings
    assert settings.embargoed_countries == ("CU", "KP")
    with pytest.raises(ConfigError, match=r"\$MM_SHORT_FILELIST_KEEP"):
        load_settings(env={"MM_SHORT_FILELIST_KEEP": "x"})


def test_every_setting_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    for row in settings_table():
        assert row.help
        assert f"`{row.name}`" in docs, f"setting {row.name} missing from docs/configuration.md"
        assert row.env_var in docs


def test_mask_url_hides_only_the_password() -> None:
    assert mask_url("postgresql+psycopg://mm:s3cret@db/mm") == "postgresql+psycopg://mm:****@db/mm"
    assert mask_url("sqlite:////var/lib/mm.sqlite") == "sqlite:////var/lib/mm.sqlite"


def test_bind_settings_are_validated_host_ports(tmp_path: Path) -> None:
    config = tmp_path / "mm.toml"
    config.write_text('web_bind = "[::1]:8001"\n', encoding="utf-8")
    loaded = load_settings(config, env={"MM_CHECKIN_BIND": "0.0.0.0:9090"}).settings
    assert loaded.web_bind == HostPort("::1", 8001)
    assert loaded.checkin_bind == HostPort("0.0.0.0", 9090)
    assert str(loaded.mirrorlist_bind) == "127.0.0.1:8080"
    config.write_text('mirrorlist_bind = "localhost:99999"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'mirrorlist_bind' in .*mm.toml.*1 to 65535"):
        load_settings(config, env={})
    with pytest.raises(ConfigError, match=r"'web_bind' in \$MM_WEB_BIND.*no port"):
        load_settings(env={"MM_WEB_BIND": "8000"})


def test_config_errors_carry_the_setting_and_the_file(tmp_path: Path) -> None:
    config = tmp_path / "mm.toml"
    config.write_text('crawler_concurrency = 0\nweb_threads = "many"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert (caught.value.setting, caught.value.path) == ("web_threads", str(config))
    config.write_text("crawler_concurrency = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert (caught.value.setting, caught.value.path) == ("crawler_concurrency", str(config))
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"MM_LOG_LEVEL": "LOUD"})
    assert (caught.value.setting, caught.value.path) == ("log_level", None)
    config.write_text("no_such_setting = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert caught.value.setting == "no_such_setting" and caught.value.path == str(config)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "missing.toml", env={})
    assert caught.value.path == str(tmp_path / "missing.toml") and caught.value.setting is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("checkin_max_directories", "0"), ("checkin_min_interval", "-1"), ("crawler_log_keep", "-1")],
)
def test_checkin_and_log_limits_are_range_checked(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match="out of range") as caught:
        load_settings(env={f"MM_{name.upper()}": value})
    assert caught.value.setting == name
