"""Regenerate the registry-derived parts of docs/architectures.md.

The table of architectures and the recorded choices come from
`keras_cifar_blocks.architectures` (names, pinned parameter counts,
recipes and their notes), so the page cannot drift from the code:
`tests/architectures/test_architectures_docs.py` fails when the committed
page differs from what this script writes.

    python docs/gen_architectures_table.py          # rewrite the page
    python docs/gen_architectures_table.py --check  # exit 1 if stale

Nothing is built: the script reads the registry's metadata only.
"""

import argparse
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "architectures.md"
SECTIONS = ("table", "choices")
DATASET_NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}


def _markers(section: str) -> tuple[str, str]:
    return (
        f"<!-- BEGIN GENERATED {section}: docs/gen_architectures_table.py -->",
        f"<!-- END GENERATED {section} -->",
    )


def _parameters(entry) -> str:
    text = f"{entry.parameters:,}"
    if entry.trainable_parameters is not None:
        text += f" ({entry.trainable_parameters:,} trainable)"
    return text


def _accuracy(accuracy) -> str:
    return f"{accuracy}, {accuracy.note}" if accuracy.note else str(accuracy)


def render_table() -> str:
    """The Markdown table of every architecture, in registry order."""
    from keras_cifar_blocks.architectures import get_architecture
    from keras_cifar_blocks.architectures import names

    lines = [
        "| Name | Dataset | Parameters | Report prints | Documented "
        "accuracy | Source | Options |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in names():
        entry = get_architecture(name)
        recipe = entry.recipe
        overrides = ", ".join(
            f"`{key}`" for key in (*entry.options, "classifier_activation")
        )
        lines.append(
            f"| `{name}` | {DATASET_NAMES[entry.dataset]} "
            f"| {_parameters(entry)} "
            f"| {entry.documented_parameters or '-'} "
            f"| {_accuracy(recipe.accuracy)} "
            f"| {_seed(recipe.source)}, {recipe.source.sections[0]} "
            f"| {overrides} |"
        )
    return "\n".join(lines)


def _seed(source) -> str:
    """The seed report's file name, or what a recipe comes from instead."""
    return f"`{source.report}`" if source.report else "this package"


def _recipe_line(recipe) -> str:
    options = "".join(f", {k}={v}" for k, v in recipe.optimizer_options)
    parts = [
        f"{recipe.optimizer}(learning_rate={recipe.learning_rate}{options})",
        f"batch {recipe.batch_size}",
        f"{recipe.epochs} epochs",
    ]
    if recipe.schedule is not None:
        parts.append(f"schedule {recipe.schedule}")
    if recipe.early_stopping is not None:
        rule = recipe.early_stopping
        parts.append(
            f"early stopping on {rule.monitor}, patience {rule.patience}"
        )
    parts.append(f"augmentation {recipe.augmentation or 'none'}")
    parts.append(f"input {recipe.input_normalization}")
    parts.append(recipe.loss)
    if recipe.label_smoothing:
        parts.append(f"label smoothing {recipe.label_smoothing:g}")
    if recipe.test_time_augmentation:
        parts.append(f"test-time augmentation {recipe.test_time_augmentation}")
    return "; ".join(parts)


def render_choices() -> str:
    """Per architecture: its recipe in one line and its recorded choices."""
    from keras_cifar_blocks.architectures import get_architecture
    from keras_cifar_blocks.architectures import names

    blocks = []
    for name in names():
        entry = get_architecture(name)
        recipe = entry.recipe
        lines = [
            f"### `{name}`",
            "",
            entry.description,
            "",
            f"Recipe: {_recipe_line(recipe)}.",
            "",
            f"Source: {recipe.source} ({_seed(recipe.source)}).",
            "",
        ]
        accuracies = "; ".join(
            _accuracy(accuracy)
            for accuracy in (recipe.accuracy, *recipe.other_accuracies)
        )
        lines += [f"Documented accuracy: {accuracies}.", ""]
        protocol = recipe.protocol
        lines += [
            f"Data protocol (`kcb reproduce`): {protocol}. {protocol.note}",
            "",
        ]
        lines += [f"- {note}" for note in recipe.notes]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


RENDERERS = {"table": render_table, "choices": render_choices}


def update(text: str) -> str:
    """`text` with every generated section replaced by its rendering."""
    for section in SECTIONS:
        begin, end = _markers(section)
        head, found, rest = text.partition(begin)
        _, found_end, tail = rest.partition(end)
        if not found or not found_end:
            raise ValueError(
                f"{PAGE.name} lacks the markers of the {section!r} section: "
                f"{begin!r} ... {end!r}"
            )
        text = f"{head}{begin}\n{RENDERERS[section]()}\n{end}{tail}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1, writing nothing, if the page is out of date",
    )
    args = parser.parse_args(argv)
    current = PAGE.read_text()
    fresh = update(current)
    if args.check:
        if fresh != current:
            print(
                f"{PAGE} is out of date: run "
                "python docs/gen_architectures_table.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if fresh != current:
        PAGE.write_text(fresh)
        print(f"Updated {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
