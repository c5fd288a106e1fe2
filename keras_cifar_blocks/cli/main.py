"""The `kcb` command line."""

import argparse
import json
import sys


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected an integer >= 1, got {text}"
        )
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kcb",
        description="keras-cifar-blocks: Keras 3 blocks for CIFAR-sized "
        "image classifiers. The backend is chosen with KERAS_BACKEND "
        "(tensorflow, jax or torch).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo",
        help="train a small model built from our blocks on CIFAR-10 and "
        "print its test accuracy",
    )
    demo.add_argument(
        "--data-dir",
        default=None,
        help="folder with cifar-10-python.tar.gz or cifar-10-batches-py/ "
        "(default: $KCB_DATA_DIR, then the Keras cache, then download)",
    )
    demo.add_argument("--train-size", type=_positive_int, default=10_000)
    demo.add_argument(
        "--test-size",
        type=_positive_int,
        default=None,
        help="evaluate on a balanced subset of the test set (default: all)",
    )
    demo.add_argument("--epochs", type=_positive_int, default=1)
    demo.add_argument("--batch-size", type=_positive_int, default=64)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument(
        "--json", action="store_true", help="print the result as JSON"
    )

    commands.add_parser("info", help="print versions and the active backend")
    return parser


def _info() -> dict:
    import keras

    import keras_cifar_blocks

    return {
        "keras_cifar_blocks": keras_cifar_blocks.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "python": sys.version.split()[0],
        "layers": keras_cifar_blocks.layers.__all__,
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kcb` console script."""
    args = _parser().parse_args(argv)
    if args.command == "info":
        print(json.dumps(_info(), indent=2))
        return 0
    from keras_cifar_blocks.cli.demo import run_demo

    try:
        result = run_demo(
            data_dir=args.data_dir,
            train_size=args.train_size,
            test_size=args.test_size,
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
        )
    except (FileNotFoundError, ValueError) as e:
        print(f"kcb demo: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"Test accuracy {result['test_accuracy']:.2%} on "
            f"{result['test_size']} CIFAR-10 test images after "
            f"{result['epochs']} epoch(s) on {result['train_size']} training "
            f"images ({result['parameters']:,} parameters, "
            f"{result['seconds']:.0f} s on {result['backend']}; chance is "
            f"{result['chance_accuracy']:.0%})."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
