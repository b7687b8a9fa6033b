"""The production recipe in deploy/ holds together: its nginx site passes `nginx -t` (with TLS too), and every
command its systemd units and daily jobs run is one the app has."""

from __future__ import annotations

import datetime
import importlib.util
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
spec = importlib.util.spec_from_file_location("deploy_serve", DEPLOY / "serve.py")
serve = importlib.util.module_from_spec(spec)
spec.loader.exec_module(serve)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "plans.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_the_production_nginx_site_passes_nginx_own_check(tmp_path, tls):
    nginx = Path(serve.nginx_binary())
    if not nginx.exists():
        pytest.skip("nginx is not installed (make test installs it)")
    certificate, key = _self_signed(tmp_path) if tls else (None, None)
    site = serve.site_config(
        "127.0.0.1:8443" if tls else "127.0.0.1:8080",
        "127.0.0.1:8000",
        access_log=str(tmp_path / "access.log"),
        tls_certificate=str(certificate) if tls else None,
        tls_key=str(key) if tls else None,
    )
    main = serve.prepare_run_dir(tmp_path / "run", "127.0.0.1:8080", "127.0.0.1:8000")
    (tmp_path / "run" / "advocate-app.conf").write_text(site)
    checked = subprocess.run(  # noqa: S603 - nginx, checking a file we wrote
        [str(nginx), "-t", "-p", str(tmp_path / "run"), "-e", "stderr", "-c", str(main)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "proxy_request_buffering on" in site and "X-Forwarded-For $remote_addr" in site


def _commands() -> list[list[str]]:
    """The advocate-app commands the units and the daily job run."""
    found = []
    texts = [path.read_text() for path in (DEPLOY / "systemd").iterdir()] + [(DEPLOY / "daily-job").read_text()]
    for text in texts:
        for line in text.splitlines():
            match = re.search(r'(?:advocate-app|"\$APP")\s+([a-z][a-z -]*[a-z])', line)
            if match and not line.lstrip().startswith("#"):
                found.append(shlex.split(match.group(1)))
    return found


def test_every_command_the_recipe_runs_is_one_the_app_has(app):
    commands = _commands()
    assert ["sms", "worker"] in commands and ["db", "upgrade"] in commands and ["sms", "reminders"] in commands
    assert ["retention", "apply"] in commands and ["db", "backup"] in commands
    for group, command in commands:
        assert command in app.cli.commands[group].commands, f"advocate-app {group} {command}"


def test_the_recipe_reads_one_environment_file_and_serves_gunicorn_on_loopback_behind_nginx():
    units = {path.name: path.read_text() for path in (DEPLOY / "systemd").glob("*.service")}
    assert all("EnvironmentFile=/etc/advocate-app/env" in text for text in units.values())
    assert "--bind 127.0.0.1:8000" in units["advocate-app-web.service"]
    example = (DEPLOY / "advocate-app.env.example").read_text()
    for setting in ("APP_ENV=production", "PROXY_FIX_HOPS=1", "METRICS_TOKEN=", "BACKUP_KEY_FILE=", "LOG_FORMAT=json"):
        assert setting in example
