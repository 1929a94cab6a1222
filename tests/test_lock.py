"""requirements.lock is what `make setup` installs: it must pin, with hashes, every package
pyproject.toml asks for, at a version inside the range asked (else `make lock` was forgotten)."""

import re
import tomllib
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(settings.BASE_DIR)
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)", re.MULTILINE)


def pins() -> dict[str, Version]:
    text = (ROOT / "requirements.lock").read_text()
    return {canonicalize_name(name): Version(version) for name, version in PIN.findall(text)}


def test_the_lock_pins_every_requirement_inside_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    asked = project["dependencies"] + [
        r for extra in ("dev", "prod") for r in project["optional-dependencies"][extra]
    ]
    locked = pins()
    wrong = []
    for line in asked:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name not in locked:
            wrong.append(f"{requirement.name} is not in requirements.lock")
        elif not requirement.specifier.contains(locked[name], prereleases=True):
            wrong.append(f"{requirement.name} {locked[name]} is outside {requirement.specifier}")
    assert wrong == [], "run `make lock`:\n" + "\n".join(wrong)


def test_every_pin_of_the_lock_carries_a_hash():
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", text)
    unhashed = [b.split()[0] for b in blocks if PIN.match(b) and "--hash=sha256:" not in b]
    assert len(pins()) > 40
    assert unhashed == []
