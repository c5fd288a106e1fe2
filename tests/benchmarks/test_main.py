"""Keeps `python -m benchmarks` working (runs no benchmark)."""

import pytest

from benchmarks import __main__ as runner


def test_skips_a_benchmark_whose_packages_are_missing(monkeypatch, capsys):
    monkeypatch.setitem(
        runner.NEEDS, "augmentation_throughput", ("no_such_package_kcb",)
    )
    assert runner.main(["--only", "augmentation_throughput"]) == 0
    out = capsys.readouterr().out
    assert "skipped: needs no_such_package_kcb" in out


def test_rejects_an_unknown_benchmark():
    with pytest.raises(SystemExit):
        runner.main(["--only", "no_such_benchmark"])
