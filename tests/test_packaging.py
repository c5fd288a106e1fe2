"""What a distribution of the package ships, and what it asks users to
install: the wheel, its metadata, and a fresh environment built from it."""

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "keras_cifar_blocks"
# Folders of the repository that are not part of the package.
NOT_SHIPPED = ("tests", "benchmarks", "tuning", "docs", "reproductions")
# What `pip wheel` needs of a checkout; the rest (virtual environments,
# run folders, build output) stays behind.
_LEFT_BEHIND = shutil.ignore_patterns(
    ".venv",
    ".git",
    "runs",
    "site",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
)


def _project() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_license_the_metadata_names_is_shipped():
    project = _project()
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert "http://www.apache.org/licenses/LICENSE-2.0" in text


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip wheel` builds from a copy of this checkout.

    A copy, so that setuptools' `build/` and `*.egg-info` folders land
    outside the working tree; every folder users never get (tests,
    benchmarks, docs, ...) is in the copy, so the wheel has to leave them
    out by itself.
    """
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(ROOT, source, ignore=_LEFT_BEHIND, dirs_exist_ok=True)
    out = tmp_path_factory.mktemp("wheel")
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
        + ["--wheel-dir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    (built,) = out.glob(f"{PACKAGE}-*.whl")
    return built


def _metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [
            n for n in archive.namelist() if n.endswith(".dist-info/METADATA")
        ]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def _requirements(wheel: Path) -> list[Requirement]:
    return [
        Requirement(line) for line in _metadata(wheel).get_all("Requires-Dist")
    ]


def _extras_of(requirement: Requirement) -> set[str]:
    """The extras whose installation brings `requirement` in."""
    if requirement.marker is None:
        return set()
    return set(re.findall(r'extra == "([^"]+)"', str(requirement.marker)))


def test_the_wheel_holds_only_the_package(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(
            archive.read(n).decode()
            for n in names
            if n.endswith(".dist-info/entry_points.txt")
        )
    tops = {name.split("/")[0] for name in names}
    version = wheel.name.split("-")[1]
    assert tops == {PACKAGE, f"{PACKAGE}-{version}.dist-info"}
    for name in names:
        assert not set(name.split("/")) & set(NOT_SHIPPED), name
    # Every module of the package is there (no subpackage left behind).
    modules = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / PACKAGE).rglob("*.py")
    }
    assert modules <= set(names), sorted(modules - set(names))
    assert f"kcb = {PACKAGE}.cli.main:main" in entry_points


def test_the_wheel_lets_users_choose_their_backend_build(wheel):
    requirements = _requirements(wheel)
    by_name = {}
    for requirement in requirements:
        by_name.setdefault(requirement.name.lower(), []).append(requirement)
    # No backend is installed unconditionally.
    for requirement in requirements:
        if requirement.marker is None:
            assert requirement.name.lower() in ("keras", "numpy", "matplotlib")
    # tensorflow-cpu only through its own extra; the `tensorflow` extra
    # is the full (GPU-capable) build.
    (tensorflow_cpu,) = by_name["tensorflow-cpu"]
    assert _extras_of(tensorflow_cpu) == {"tensorflow-cpu"}
    (tensorflow,) = by_name["tensorflow"]
    assert _extras_of(tensorflow) == {"tensorflow"}
    # Lower bounds only: nothing pinned with == (torch was), no upper
    # bound on a backend.
    for requirement in requirements:
        for specifier in requirement.specifier:
            assert specifier.operator not in ("==", "==="), requirement
    for name in ("tensorflow", "tensorflow-cpu", "jax", "torch"):
        (requirement,) = by_name[name]
        operators = {s.operator for s in requirement.specifier}
        assert operators == {">="}, requirement
        assert not requirement.extras, requirement  # e.g. no jax[cpu]
    # `all` takes one TensorFlow build: the two shadow each other.
    (everything,) = [
        r for r in by_name["keras-cifar-blocks"] if _extras_of(r) == {"all"}
    ]
    assert "tensorflow" in everything.extras
    assert "tensorflow-cpu" not in everything.extras


def test_our_machines_install_the_cpu_builds_through_constraints():
    constraints = (ROOT / "constraints" / "cpu.txt").read_text()
    pins = [
        Requirement(line)
        for line in constraints.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "torch==2.13.0" in [str(pin) for pin in pins]
    makefile = (ROOT / "Makefile").read_text()
    assert "CONSTRAINTS ?= constraints/cpu.txt" in makefile
    assert "pip install --quiet -c $(CONSTRAINTS) torch==2.13.0" in makefile
    assert '-e ".[tensorflow-cpu,jax,torch,' in makefile


def _run(command: list, env: dict, cwd: Path, timeout: float = 600):
    completed = subprocess.run(
        command,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, (
        f"{command} exited {completed.returncode}:\n"
        f"{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}"
    )
    return completed.stdout


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow",
    reason="installs the TensorFlow extra only; one backend's run covers it",
)
def test_the_wheel_installs_and_trains_in_a_fresh_environment(
    wheel, tmp_path, cifar10_dir
):
    """A fresh virtual environment (no system site-packages) with only
    `[tensorflow-cpu]`, as a user would install it: `kcb list`, then one
    short training run from the command line. Minutes and ~600 MB."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV", "KERAS_BACKEND")
    }
    _run(
        [python, "-m", "pip", "install", "--quiet", f"{wheel}[tensorflow-cpu]"],
        env,
        tmp_path,
        timeout=1800,
    )
    installed = {
        row["name"].lower().replace("_", "-")
        for row in json.loads(
            _run([python, "-m", "pip", "list", "--format=json"], env, tmp_path)
        )
    }
    assert {"keras-cifar-blocks", "keras", "tensorflow-cpu"} <= installed
    assert not {"tensorflow", "torch", "jax"} & installed
    env = {
        **env,
        "KERAS_BACKEND": "tensorflow",
        "KCB_DATA_DIR": str(cifar10_dir),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    location = _run(
        [python, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
        env,
        tmp_path,
    )
    assert Path(location.strip()).is_relative_to(venv)
    kcb = venv / "bin" / "kcb"
    assert "li2018_model1" in _run([kcb, "list"], env, tmp_path)
    run = tmp_path / "run"
    output = _run(
        [kcb, "train", "li2018_model1", "--epochs", "1", "--subset", "200"]
        + ["--test-subset", "100", "--batch-size", "100", "--out", str(run)],
        env,
        tmp_path,
    )
    assert re.search(
        r"^li2018_model1: test accuracy \d+\.\d+% on 100 test images",
        output,
        re.MULTILINE,
    ), output
    assert f"Report folder: {run}" in output
    assert (run / "model.keras").is_file()
    assert (run / "metrics.json").is_file()
