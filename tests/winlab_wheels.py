"""loopnote's own dependencies as Windows wheels (win_amd64, CPython 3.11) for the Windows lab.

The list is derived from ``pyproject.toml``, never written by hand: the runtime dependencies
plus the dev extras that the tests run under Windows import (``TEST_EXTRAS``), and then, level
by level, what each chosen wheel requires, with every environment marker evaluated for Windows.
pip cannot do this walk itself: with ``--platform`` it still evaluates markers for the machine
it runs on, so it would pull Linux-only packages (``dbus-fast``) and miss Windows-only ones
(desktop-notifier's ``winrt-*``, ``colorama`` for tqdm and click).

Wine-only substitutions (``WINE_ONLY``), not requirements of loopnote on real Windows:
numpy >= 2.1 imports ``ucrtbase.crealf``, which Wine lacks, so the lab gets numpy 2.0.x.

The pins and the wheels are cached in ``$LOOPNOTE_WINLAB_CACHE`` (default
``~/.cache/loopnote/winlab-wheels``): the pins under a key of everything they derive from, the
wheels in one folder. A rerun with the same inputs resolves and downloads nothing.

    python tests/winlab_wheels.py     # resolve (if needed) and print the pins, one per line

``lab_wheels()`` returns the wheel folder and the pins; ``setup_env(...)`` the environment in
which the lab's ``setup.sh`` installs exactly these wheels, found in that folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
SETUP_SH = ROOT.parent / "shared" / "winlab" / "setup.sh"

# the dev extras that tests run under the Windows Python import (pytest, and what the store
# and recorder tests use); their version ranges come from pyproject.toml
TEST_EXTRAS = ("pytest", "jsonschema", "pysrt", "webvtt-py")
WINE_ONLY = {"numpy": "==2.0.2"}  # numpy >= 2.1 needs ucrtbase.crealf, absent from Wine

# the marker environment of the lab's python.exe (CPython 3.11.9, AMD64, Windows 10)
WINDOWS = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.9",
    "os_name": "nt",
    "platform_machine": "AMD64",
    "platform_python_implementation": "CPython",
    "platform_release": "10",
    "platform_system": "Windows",
    "platform_version": "10.0.19043",
    "python_full_version": "3.11.9",
    "python_version": "3.11",
    "sys_platform": "win32",
}
# --no-deps (the walk is ours) lets pip take an sdist where a project publishes no wheel
# (pysrt); such a one is built here, and must build a pure-Python wheel
PIP_TARGET = [
    "--no-deps",
    "--prefer-binary",
    "--platform",
    "win_amd64",
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
]

Wanted = dict[str, tuple[SpecifierSet, frozenset[str]]]  # name -> (versions, extras)


def cache_dir() -> Path:
    env = os.environ.get("LOOPNOTE_WINLAB_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "loopnote" / "winlab-wheels"


def project_requirements() -> list[Requirement]:
    """Runtime dependencies and ``TEST_EXTRAS`` from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]["dev"]
    dev = {canonicalize_name(Requirement(r).name): r for r in extras}
    return [Requirement(r) for r in project["dependencies"]] + [
        Requirement(dev[canonicalize_name(n)]) for n in TEST_EXTRAS
    ]


def lab_base_pins() -> list[Requirement]:
    """The lab's own pins (setup.sh's BASE_WHEELS): its smoke test imports them all."""
    text = SETUP_SH.read_text(encoding="utf-8") if SETUP_SH.exists() else ""
    m = re.search(r'^BASE_WHEELS="([^"]*)"', text, re.M)
    return [Requirement(s) for s in m[1].split()] if m else []


def _applies(req: Requirement, extras: frozenset[str]) -> bool:
    if req.marker is None:
        return True
    return any(req.marker.evaluate({**WINDOWS, "extra": e}) for e in {"", *extras})


def _add(wanted: Wanted, req: Requirement) -> None:
    name = canonicalize_name(req.name)
    spec, extras = wanted.get(name, (SpecifierSet(), frozenset()))
    wanted[name] = (spec & req.specifier, extras | frozenset(req.extras))


def _choose(wanted: Wanted) -> dict[str, tuple[str, list[Requirement]]]:
    """The wheel pip picks for each wanted name: version and its requirements."""
    specs = []
    for name, (spec, _) in sorted(wanted.items()):
        spec &= SpecifierSet(WINE_ONLY.get(name, ""))
        specs.append(f"{name}{spec}")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pip", "install", "-q", "--dry-run"]
        cmd += ["--target", str(Path(tmp) / "t"), "--report", str(report), *PIP_TARGET, *specs]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if res.returncode != 0:
            errors = [x for x in res.stderr.splitlines() if "is ignored" not in x]
            raise RuntimeError("pip could not choose Windows wheels:\n" + "\n".join(errors[-20:]))
        chosen = json.loads(report.read_text(encoding="utf-8"))["install"]
    out = {}
    for item in chosen:
        meta = item["metadata"]
        reqs = [Requirement(r) for r in meta.get("requires_dist") or []]
        out[canonicalize_name(meta["name"])] = (meta["version"], reqs)
    return out


def resolve(roots: list[Requirement]) -> dict[str, str]:
    """name -> version: ``roots`` and everything they require on Windows, level by level,
    until the wanted set stops changing (each pass asks pip for all names at once)."""
    wanted: Wanted = {}
    for r in roots:
        if _applies(r, frozenset()):
            _add(wanted, r)
    for _ in range(30):
        chosen = _choose(wanted)
        after: Wanted = {}
        for r in roots:
            if _applies(r, frozenset()):
                _add(after, r)
        for name, (_, reqs) in chosen.items():
            extras = wanted[name][1]
            for r in reqs:
                if _applies(r, extras):
                    _add(after, r)
        if after == wanted:
            return {name: version for name, (version, _) in chosen.items()}
        wanted = after
    raise RuntimeError("the Windows dependencies did not settle after 30 passes")


def _have(folder: Path) -> dict[str, str]:
    have = {}
    for p in folder.glob("*.whl"):
        name, version, _, _ = parse_wheel_filename(p.name)
        have[f"{name}=={version}"] = p.name
    return have


def lab_wheels() -> tuple[Path, list[str]]:
    """The wheel folder and the pins (``name==version``) to install in the lab."""
    roots = project_requirements()
    base = lab_base_pins()
    key_src = json.dumps(
        [[str(r) for r in roots], [str(r) for r in base], WINE_ONLY, WINDOWS], sort_keys=True
    )
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    cache = cache_dir()
    wheels = cache / "wheels"
    lock = cache / f"pins-{key}.txt"
    if lock.exists():
        pins = lock.read_text(encoding="utf-8").split()
    else:
        versions = resolve(roots)
        extra = [b for b in base if canonicalize_name(b.name) not in versions]
        if extra:  # the lab's own pins that loopnote does not need (e.g. comtypes, psutil)
            versions = resolve(roots + extra)
        pins = sorted(f"{n}=={v}" for n, v in versions.items())
        cache.mkdir(parents=True, exist_ok=True)
        lock.write_text("\n".join(pins) + "\n", encoding="utf-8")
    missing = [p for p in pins if _canonical_pin(p) not in _have(wheels)]
    if missing:
        wheels.mkdir(parents=True, exist_ok=True)
        _download(missing, wheels)
    return wheels, pins


def _pip(args: list[str], what: str) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=1800
    )
    if res.returncode != 0:
        errors = [x for x in res.stderr.splitlines() if "is ignored" not in x]
        raise RuntimeError(f"{what} failed:\n" + "\n".join(errors[-20:]))


def _download(pins: list[str], wheels: Path) -> None:
    """Fetch ``pins`` into ``wheels``; an sdist is turned into a pure-Python wheel."""
    with tempfile.TemporaryDirectory() as tmp:
        _pip(["download", "-q", *PIP_TARGET, "-d", tmp, *pins], "downloading Windows wheels")
        for p in Path(tmp).iterdir():
            if p.suffix == ".whl":
                p.replace(wheels / p.name)
                continue
            built = Path(tmp) / "built"
            _pip(["wheel", "-q", "--no-deps", "-w", str(built), str(p)], p.name)
            for w in built.glob("*.whl"):
                if not w.name.endswith("-none-any.whl"):
                    raise RuntimeError(f"{p.name} builds {w.name}: it needs a Windows build")
                w.replace(wheels / w.name)


def _canonical_pin(pin: str) -> str:
    name, _, version = pin.partition("==")
    return f"{canonicalize_name(name)}=={Version(version)}"


def setup_env(env: dict[str, str], wheels: Path, pins: list[str]) -> dict[str, str]:
    """``env`` for the lab's setup.sh: install exactly ``pins``, found in ``wheels`` (its pip
    would otherwise resolve dependencies with Linux markers). The index stays open: the lab
    also fetches its Windows CPython as an sdist, whose metadata pip builds with setuptools
    and wheel from the index."""
    return dict(env, WINLAB_WHEELS=" ".join(pins), PIP_NO_DEPS="1", PIP_FIND_LINKS=str(wheels))


if __name__ == "__main__":
    _, found = lab_wheels()
    print("\n".join(found))
