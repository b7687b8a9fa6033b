"""The wheel carries every package, template, built asset, compiled translation and migration."""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import setuptools

from advocate_app import CHECKOUT_DIR

PACKAGE = CHECKOUT_DIR / "advocate_app"


@pytest.fixture(autouse=True)
def _once_per_run(request):
    """Packaging does not depend on the database: the PostgreSQL pass need not build the wheel again."""
    if request.config.getoption("--postgres"):
        pytest.skip("packaging is checked in the SQLite pass")
# What a wheel is built from; copied so that building leaves nothing behind in the checkout.
SOURCES = (
    "advocate_app",
    "templates",
    "static",
    "translations",
    "migrations",
    "setup.cfg",
    "pyproject.toml",
    "README.md",
)


def setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(CHECKOUT_DIR / "setup.cfg")
    return config


def test_every_python_package_is_listed_in_setup_cfg():
    listed = set(setup_cfg()["options"]["packages"].split())
    packages = {
        ".".join(init.parent.relative_to(CHECKOUT_DIR).parts)
        for init in PACKAGE.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert packages - listed == set()


def _expected_files() -> set[str]:
    """Files the installed app needs, as paths inside the wheel."""
    expected = {
        f"advocate_app/templates/{p.relative_to(CHECKOUT_DIR / 'templates')}"
        for p in (CHECKOUT_DIR / "templates").rglob("*.html")
    }
    expected |= {
        "advocate_app/static/favicon.svg",
        "advocate_app/migrations/env.py",
        "advocate_app/migrations/script.py.mako",
    }
    expected |= {
        f"advocate_app/migrations/versions/{p.name}" for p in (CHECKOUT_DIR / "migrations" / "versions").glob("*.py")
    }
    expected |= {
        f"advocate_app/translations/{p.relative_to(CHECKOUT_DIR / 'translations')}"
        for p in (CHECKOUT_DIR / "translations").glob("*/LC_MESSAGES/messages.mo")
    }
    dist = CHECKOUT_DIR / "static" / "dist"
    if (dist / "manifest.json").exists():
        expected |= {f"advocate_app/static/dist/{p.name}" for p in dist.iterdir() if p.is_file()}
    expected |= {f"{p.relative_to(CHECKOUT_DIR)}" for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    return expected


def _copy_sources(to: Path) -> Path:
    for name in SOURCES:
        source = CHECKOUT_DIR / name
        if source.is_dir():
            shutil.copytree(source, to / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.exists():
            shutil.copy2(source, to / name)
    return to


def _can_build_wheels_offline() -> bool:
    # setuptools builds wheels itself from 70.1; before that it needs the `wheel` package.
    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _run(args: list[str], cwd: Path) -> None:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)  # noqa: S603
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_build_maps_templates_static_translations_and_migrations_into_the_package(tmp_path):
    """What ``build_py`` (the step a wheel is made from) puts under ``advocate_app/``."""
    source = _copy_sources(tmp_path / "src")
    build = tmp_path / "build"
    _run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", str(build)],
        source,
    )
    built = {str(p.relative_to(build)) for p in build.rglob("*") if p.is_file()}
    assert _expected_files() - built == set()


@pytest.mark.skipif(
    not _can_build_wheels_offline(),
    reason="this venv cannot build a wheel without the network: it lacks `wheel` (setuptools "
    f"{setuptools.__version__} needs it; pyproject.toml asks for setuptools>=69 and wheel)",
)
def test_the_wheel_carries_everything_the_app_needs(tmp_path):
    source = _copy_sources(tmp_path / "src")
    out = tmp_path / "wheel"
    _run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out)],
        source,
    )
    (wheel,) = out.glob("advocate_app-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        inside = set(archive.namelist())
    assert {"advocate_app/templates/base.html", "advocate_app/static/favicon.svg"} <= inside
    assert {"advocate_app/migrations/env.py", "advocate_app/migrations/versions/0001_foundation.py"} <= inside
    assert _expected_files() - inside == set()
