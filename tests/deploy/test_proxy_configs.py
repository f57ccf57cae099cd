"""The sample HAProxy and nginx front configs (deploy/haproxy, deploy/nginx) are valid and
carry what the rolling restart relies on (docs/zero-downtime.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).parents[2] / "deploy"
HAPROXY = DEPLOY / "haproxy" / "mirrorlist.cfg"
NGINX = DEPLOY / "nginx" / "mirrorlist.conf"


def directives(path: Path) -> list[str]:
    """Non-comment lines, whitespace collapsed."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return [" ".join(line.split()) for line in lines if line]


def test_haproxy_config_has_health_checks_retries_and_forwarded_for() -> None:
    lines = directives(HAPROXY)
    for expected in (
        "option httpchk",
        "http-check expect status 200",
        "retries 3",
        "option redispatch 1",
        "http-request set-header X-Forwarded-For %[src]",
    ):
        assert expected in lines, expected
    assert any(re.match(r"http-check send meth GET uri /-/health\b", line) for line in lines)
    retry_on = next(line for line in lines if line.startswith("retry-on "))
    assert {"conn-failure", "empty-response", "response-timeout"} <= set(retry_on.split())
    default_server = next(line for line in lines if line.startswith("default-server "))
    assert " check" in f" {default_server}"
    servers = [line.split()[2] for line in lines if line.startswith("server ")]
    assert servers == ["127.0.0.1:18081", "127.0.0.1:18082"]


def test_nginx_config_has_retries_and_forwarded_for() -> None:
    lines = directives(NGINX)
    assert "proxy_next_upstream error timeout http_502 http_503;" in lines
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in lines
    assert "location = /-/health {" in lines
    servers = [line.split()[1] for line in lines if line.startswith("server 127.0.0.1:")]
    assert servers == ["127.0.0.1:18081", "127.0.0.1:18082"]


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="needs haproxy (Debian: haproxy)")
def test_haproxy_accepts_the_config(tmp_path: Path) -> None:
    result = subprocess.run(
        ["haproxy", "-c", "-f", str(HAPROXY)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[WARNING]" not in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx (Debian: nginx)")
def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    """The snippet belongs in `http {}`: check it inside a minimal main config."""
    wrapper = tmp_path / "nginx.conf"
    wrapper.write_text(
        f"pid {tmp_path / 'nginx.pid'};\n"
        "error_log stderr;\n"
        "events {}\n"
        "http {\n"
        "    access_log off;\n"
        f"    include {NGINX};\n"
        "}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["nginx", "-t", "-q", "-c", str(wrapper), "-p", str(tmp_path), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[warn]" not in result.stderr, result.stderr
