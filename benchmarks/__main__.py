"""Run every benchmark and print what each found.

    python -m benchmarks [--quick] [--only NAME ...]

`--quick` runs each script's small settings (the whole suite in under
10 minutes on a 2-core CPU). `backends` runs first: `scaling` scales on
the backend it found fastest. `augmentation_throughput` needs
`make bench-deps` (tf-keras) and is skipped without it.
`time_to_accuracy` (hours: one training budget per run) runs only when
named: `python -m benchmarks --only time_to_accuracy`.
"""

import argparse
import importlib
import importlib.util
import sys
import time

BENCHMARKS = (
    "backends",
    "zero_overhead",
    "mish",
    "machine_limit",
    "scaling",
    "augmentation_throughput",
)
# Hours at their full settings: run only when named with --only.
LONG = ("time_to_accuracy",)
# Optional packages a benchmark needs, beyond the project's own.
NEEDS = {"augmentation_throughput": ("tf_keras", "keras_cv")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small settings")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=BENCHMARKS + LONG,
        help="run only these (time_to_accuracy runs only when named)",
    )
    args = parser.parse_args(argv)
    summary = []
    total = time.perf_counter()
    for name in args.only or BENCHMARKS:
        missing = [
            m
            for m in NEEDS.get(name, ())
            if importlib.util.find_spec(m) is None
        ]
        if missing:
            summary.append(
                (name, None, [f"skipped: needs {', '.join(missing)}"])
            )
            print(f"=== {name}: skipped (needs {', '.join(missing)})")
            continue
        print(f"=== {name}", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        result = module.main(["--quick"] if args.quick else [])
        lines = result.get("lines", []) if isinstance(result, dict) else []
        summary.append((name, time.perf_counter() - start, lines))
    print("\n=== summary")
    for name, seconds, lines in summary:
        took = "" if seconds is None else f" ({seconds:.0f} s)"
        print(f"{name}{took}")
        for line in lines:
            print(f"  {line}")
    print(f"total: {time.perf_counter() - total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
