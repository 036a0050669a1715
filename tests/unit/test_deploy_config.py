"""The shipped deployment files (deploy/, Procfile) agree with the app and, where nginx is installed, parse."""

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

import config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = {"web": "ocop-web.service", "worker": "ocop-worker.service", "scheduler": "ocop-scheduler.service"}


def settings_read_by_config() -> set[str]:
    text = (ROOT / "config.py").read_text()
    return set(re.findall(r'(?:environ\.get|_int|_bool)\(\s*"([A-Z0-9_]+)"', text))


def env_template() -> dict[str, str]:
    found = {}
    for line in (DEPLOY / "ocop.env.example").read_text().splitlines():
        match = re.match(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_the_env_template_names_only_settings_the_app_reads():
    known = settings_read_by_config() | {"FLASK_APP"}
    assert set(env_template()) - known == set()


def test_the_env_template_sets_what_production_requires():
    values = env_template()
    for name in ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "JOBS_REDIS_URL", "PUBLIC_BASE_URL"):
        assert values.get(name), name
    assert values["APP_ENV"] == "production" and values["TRUSTED_PROXIES"] == "1"
    assert values["SECRET_KEY"] != config.DEV_SECRET_KEY


@pytest.mark.parametrize(
    "process, command", [("web", "gunicorn"), ("worker", "flask jobs worker"), ("scheduler", "flask jobs scheduler")]
)
def test_each_unit_runs_its_process_with_the_env_file_and_the_procfile_lists_the_same(process, command):
    service = unit(UNITS[process])["Service"]
    assert service["EnvironmentFile"] == "/etc/ocop/ocop.env"
    assert command in service["ExecStart"]
    assert service.get("User") == "ocop"
    procfile = dict(
        line.split(": ", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert procfile[process].startswith(command)


def test_the_commands_the_units_start_exist():
    from storefront import create_app

    app = create_app(config.TestConfig)
    runner = app.test_cli_runner()
    for args in (["jobs", "worker", "--help"], ["jobs", "scheduler", "--help"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output


def test_the_web_server_builds_the_app_once_with_the_shipped_gunicorn_settings():
    """The unit and the Procfile use deploy/gunicorn.conf.py (tests/integration/test_preloaded_gunicorn.py
    serves with it); the unit offers no reload, which would keep the master's old code."""
    service = unit(UNITS["web"])["Service"]
    assert "--config deploy/gunicorn.conf.py" in service["ExecStart"] and "ExecReload" not in service
    assert "gunicorn --config deploy/gunicorn.conf.py " in (ROOT / "Procfile").read_text()
    settings = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)
    assert settings["preload_app"] is True and callable(settings["post_fork"]) and callable(settings["pre_fork"])


def test_the_web_unit_binds_where_nginx_sends_requests():
    bind = re.search(r"--bind (\S+)", unit(UNITS["web"])["Service"]["ExecStart"]).group(1)
    assert f"server {bind} " in (DEPLOY / "nginx" / "ocop.conf").read_text()


@pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx not installed (apt-get install nginx-light)",
)
def test_nginx_accepts_the_site(tmp_path):
    """`nginx -t` on the shipped site, its placeholders pointed at a temporary folder and a throwaway certificate."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        shlex.split(
            f"openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=shop.example.vn -keyout {key} -out {cert}"
        ),
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx" / "ocop.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/shop.example.vn/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/shop.example.vn/privkey.pem", str(key))
    site = site.replace("/var/cache/nginx/ocop-media", str(tmp_path / "cache"))
    (tmp_path / "ocop.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/ocop.conf;\n}}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr
