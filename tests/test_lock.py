"""The locked dependencies (requirements/*.txt) agree with the ranges in setup.cfg; `make lock` mends them."""

from __future__ import annotations

import configparser
import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from advocate_app import config as app_config
from advocate_app import create_app
from advocate_app.extensions import limiter

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
MEND = "run `make lock` and commit requirements/"


def _setup_requirements() -> tuple[list[Requirement], list[Requirement]]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")

    def parse(text: str) -> list[Requirement]:
        lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
        return [Requirement(line) for line in lines if line]

    build = parse((ROOT / "requirements" / "build.in").read_text())
    return (
        parse(parser["options"]["install_requires"]) + build,
        parse(parser["options.extras_require"]["dev"]),
    )


def _pins(name: str) -> dict[str, str]:
    """Package → pinned version of a lock file, checking that every pin carries its hashes."""
    text = (ROOT / "requirements" / name).read_text()
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{name}: {match.group(1)} has no hash; {MEND}"
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def _extra_packages(requirement: Requirement) -> set[str]:
    """Packages an extra such as ``flask-limiter[redis]`` brings, read from the installed distribution."""
    names = set()
    for extra in requirement.extras:
        for line in metadata.requires(requirement.name) or []:
            needed = Requirement(line)
            if needed.marker is not None and needed.marker.evaluate({"extra": extra}):
                names.add(canonicalize_name(needed.name))
    return names


def _check(requirements: list[Requirement], pins: dict[str, str], lock: str) -> list[str]:
    problems = []
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is in setup.cfg but not in {lock}")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{lock} pins {name}=={pins[name]}, outside setup.cfg's {requirement}")
        problems.extend(
            f"{lock} lacks {extra}, needed by {requirement}" for extra in _extra_packages(requirement) - pins.keys()
        )
    return problems


def test_the_development_lock_pins_every_requirement_within_its_range():
    runtime, dev = _setup_requirements()
    problems = _check(runtime + dev, _pins("dev.txt"), "requirements/dev.txt")
    assert not problems, "\n".join(problems) + f"\n{MEND}"


def test_the_production_lock_pins_the_runtime_requirements_and_no_development_tools():
    runtime, dev = _setup_requirements()
    production = _pins("production.txt")
    problems = _check(runtime, production, "requirements/production.txt")
    assert not problems, "\n".join(problems) + f"\n{MEND}"
    assert not {canonicalize_name(r.name) for r in dev} & production.keys() - {
        canonicalize_name(r.name) for r in runtime
    }, "development tools in requirements/production.txt"


def test_production_and_development_install_the_same_versions():
    development, production = _pins("dev.txt"), _pins("production.txt")
    differ = {name: (version, development.get(name)) for name, version in production.items()}
    differ = {name: pair for name, pair in differ.items() if pair[0] != pair[1]}
    assert not differ, f"production and dev locks differ: {differ}; {MEND}"


@pytest.mark.parametrize("package", ["redis", "prometheus-client", "cryptography"])
def test_services_a_production_install_needs_are_locked_by_default(package):
    assert package in _pins("production.txt")


def test_throttling_can_count_in_redis_without_installing_anything_by_hand(tmp_path):
    app = create_app(
        app_config.for_tests(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
    )
    with app.app_context():
        assert type(limiter.storage).__name__ == "RedisStorage"
