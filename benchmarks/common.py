"""What every benchmark shares: timing, environment capture, result files.

A benchmark states its settings at the top, runs each backend in its own
subprocess (the backend is fixed before `import keras`), excludes warm-up
from timing, repeats and reports medians with spread, and writes a JSON
(hardware, versions, settings, raw samples) next to a PNG plot in
`benchmarks/results/`.
"""

import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

PACKAGES = (
    "keras",
    "tensorflow-cpu",
    "tensorflow",
    "jax",
    "jaxlib",
    "torch",
    "numpy",
    "tf-keras",
    "keras-cv",
    "keras-cifar-blocks",
)


def versions() -> dict:
    """Installed versions of the packages that matter for the numbers."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def hardware() -> dict:
    """CPU model, core count and memory of this machine."""
    info = {
        "machine": platform.machine(),
        "system": platform.system(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    return info


def summarize(samples: list[float]) -> dict:
    """Median and spread (min, max, interquartile range) of samples."""
    ordered = sorted(samples)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": q1,
        "q3": q3,
        "samples": samples,
    }


def throughput(
    run_once: Callable[[], int], repeats: int, warmup: int = 1
) -> dict:
    """Items per second of `run_once` (which returns the items it did).

    The first `warmup` calls (tracing, compilation, caches) are timed and
    reported separately, never mixed into the steady-state samples.
    """
    warmup_seconds = []
    for _ in range(warmup):
        start = time.perf_counter()
        run_once()
        warmup_seconds.append(time.perf_counter() - start)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        items = run_once()
        samples.append(items / (time.perf_counter() - start))
    return {**summarize(samples), "warmup_seconds": warmup_seconds}


def run_in_subprocess(
    module: str, args: list[str], backend: str, timeout: float = 3600
) -> dict:
    """Run `python -m module args` with KERAS_BACKEND set; parse its JSON.

    The child prints one JSON object as its last stdout line.
    """
    env = {**os.environ, "KERAS_BACKEND": backend}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{module} under {backend} failed with exit code "
            f"{completed.returncode}:\n{completed.stderr[-4000:]}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def save_results(name: str, results: dict, figure) -> tuple[Path, Path]:
    """Write `results/<name>.json` (with environment) and `<name>.png`."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "hardware": hardware(),
        "versions": versions(),
        **results,
    }
    json_path = RESULTS_DIR / f"{name}.json"
    png_path = RESULTS_DIR / f"{name}.png"
    json_path.write_text(json.dumps(payload, indent=2) + "\n")
    figure.savefig(png_path, dpi=120, bbox_inches="tight")
    return json_path, png_path
