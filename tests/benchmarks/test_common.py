"""The helpers every benchmark shares (the ones no script test covers)."""

import json
import sys

from benchmarks import common


def test_command_line_is_project_relative():
    script = str(common.REPO_ROOT / "benchmarks" / "gpu_check.py")
    assert common.command_line([script, "--quick"]) == (
        "python -m benchmarks.gpu_check --quick"
    )
    runner = str(common.REPO_ROOT / "benchmarks" / "__main__.py")
    assert common.command_line([runner, "--only", "mish"]) == (
        "python -m benchmarks --only mish"
    )


def test_command_line_leaves_other_programs_as_they_are():
    python = common.Path(sys.executable).name
    assert common.command_line(["/usr/bin/pytest", "-q"]) == (
        f"{python} /usr/bin/pytest -q"
    )
    # Inside the checkout but not one of its packages: pytest in .venv.
    pytest_main = (
        common.REPO_ROOT / ".venv/lib/site-packages/pytest/__main__.py"
    )
    assert common.command_line([str(pytest_main), "-q"]) == (
        f"{python} {pytest_main} -q"
    )


def test_parse_args_takes_a_scripts_own_flags():
    def add_arguments(parser):
        parser.add_argument("--allow-cpu", action="store_true")

    args, settings = common.parse_args(
        ["--allow-cpu", "--quick"],
        "Doc.",
        {"steps": 20, "seed": 0},
        {"steps": 3},
        add_arguments,
    )
    assert args.allow_cpu and args.quick
    assert settings == {"steps": 3, "seed": 0}


def test_finished_runs_of_other_settings_are_not_reused(tmp_path):
    settings = {"backend": "tensorflow", "budget_minutes": 30.0}
    path = tmp_path / "time_to_accuracy.partial.json"
    job = {"name": "fast_cifar", "seed": 0, "epochs": 12}
    runs = {json.dumps(job, sort_keys=True): {"name": "fast_cifar"}}
    common.write_json_atomically(path, {"settings": settings, "runs": runs})
    assert common.finished_runs(path, settings) == runs
    other = {**settings, "budget_minutes": 10.0}
    assert common.finished_runs(path, other) == {}
    path.write_text("{not json")
    assert common.finished_runs(path, settings) == {}
    assert path.read_text() == "{not json"  # left as it is
