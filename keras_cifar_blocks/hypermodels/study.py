"""Plots and a table of a search's trials, from its `trials.json`.

`tune()` writes them into its run folder; `plot_study` and
`write_trials_table` redraw them from any run folder's `trials.json` (or
from the records of `trial_records`), e.g. for a search still running or
resumed on another machine.
"""

import json
import math
from pathlib import Path

from keras_cifar_blocks.training.plots import new_figure
from keras_cifar_blocks.training.plots import save_figure
from keras_cifar_blocks.training.run_dir import write_text

# The files `plot_study` writes, by plot.
PLOTS = {
    "trials": "search.png",
    "parameters": "search_parameters.png",
    "hyperparameters": "search_hyperparameters.png",
}
TRIALS = "trials.json"
OBJECTIVE = "validation accuracy"
EXPLORED, DOCUMENTED, BEST = "tab:blue", "tab:orange", "tab:green"


def load_trials(source) -> list[dict]:
    """The trial records of a search.

    Args:
        source: a run folder of `tune` (holding `trials.json`), the path of
            a `trials.json`, or a list of records as `trial_records`
            returns them.

    Returns:
        The list of records (dicts with `trial_id`, `status`, `score`,
        `point`, `values` and, when recorded, `epochs`, `parameters`,
        `seconds`).

    Raises:
        FileNotFoundError: if there is no `trials.json` there.
        TypeError: if `source` is none of the above.
    """
    if isinstance(source, (list, tuple)):
        return list(source)
    if not isinstance(source, (str, Path)):
        raise TypeError(
            "Invalid type for argument `source`. Expected a run folder, the "
            "path of a trials.json or a list of trial records. Received "
            f"source={source!r} of type {type(source).__name__}"
        )
    path = Path(source)
    if path.is_dir():
        path = path / TRIALS
    if not path.is_file():
        raise FileNotFoundError(f"No trials file at '{path}'.")
    return json.loads(path.read_text(encoding="utf-8"))


def plot_study(source, out_dir, title="search") -> dict[str, Path]:
    """Writes the plots a KerasTuner user looks at after a search.

    - `search.png`: validation accuracy of each trial, in the order they
      started, with the best so far (documented points marked, marker
      size: epochs);
    - `search_parameters.png`: validation accuracy against the model's
      parameter count, documented points labelled;
    - `search_hyperparameters.png`: validation accuracy against the value
      of each hyperparameter, one small panel each (trials where it is
      inactive left out of its panel).

    Args:
        source: see `load_trials`.
        out_dir: the folder to write them to (created if missing).
        title: the start of each figure's title.

    Returns:
        A dict `{"trials": path, "parameters": path,
        "hyperparameters": path}`.

    Example:

    >>> import tempfile
    >>> from keras_cifar_blocks.hypermodels.study import plot_study
    >>> records = [
    ...     {"trial_id": "0", "status": "COMPLETED", "score": 0.31,
    ...      "point": "li2018_model1", "parameters": 42442, "epochs": 2,
    ...      "values": {"stages": 2, "padding": "valid"}},
    ...     {"trial_id": "1", "status": "COMPLETED", "score": 0.35,
    ...      "point": None, "parameters": 120000, "epochs": 2,
    ...      "values": {"stages": 3, "padding": "same"}},
    ... ]
    >>> paths = plot_study(records, tempfile.mkdtemp())
    >>> sorted(path.name for path in paths.values())
    ['search.png', 'search_hyperparameters.png', 'search_parameters.png']
    """
    records = load_trials(source)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / file for name, file in PLOTS.items()}
    plot_trials(records, paths["trials"], title=title)
    plot_parameters(records, paths["parameters"], title=title)
    plot_hyperparameters(records, paths["hyperparameters"], title=title)
    return paths


def _completed(records) -> list[dict]:
    return [record for record in records if record.get("score") is not None]


def plot_trials(records, path, title="search") -> Path:
    """Plots validation accuracy per trial; documented points are marked.

    Args:
        records: see `load_trials`.
        path: the PNG file to write.
        title: the figure's title.

    Returns:
        `path`.
    """
    records = load_trials(records)
    figure = new_figure(8, 4.5)
    axes = figure.add_subplot()
    done = _completed(records)
    order = {record["trial_id"]: index for index, record in enumerate(records)}
    epochs = [record.get("epochs") or 1 for record in done]
    biggest = max(epochs, default=1)
    sizes = {
        record["trial_id"]: 20 + 60 * trial_epochs / biggest
        for record, trial_epochs in zip(done, epochs, strict=True)
    }
    points = [record for record in done if record.get("point")]
    others = [record for record in done if not record.get("point")]
    for group, color, label in (
        (others, EXPLORED, "explored"),
        (points, DOCUMENTED, "documented point"),
    ):
        if group:
            axes.scatter(
                [order[record["trial_id"]] for record in group],
                [record["score"] for record in group],
                s=[sizes[record["trial_id"]] for record in group],
                color=color,
                label=label,
                zorder=3,
            )
    for record in points:
        axes.annotate(
            record["point"],
            (order[record["trial_id"]], record["score"]),
            textcoords="offset points",
            xytext=(3, 3),
            fontsize=7,
            rotation=30,
        )
    best_so_far, best = [], -math.inf
    for record in records:
        if record.get("score") is not None:
            best = max(best, record["score"])
        best_so_far.append(best if best > -math.inf else None)
    xs = [index for index, score in enumerate(best_so_far) if score is not None]
    if xs:
        axes.step(
            xs,
            [best_so_far[index] for index in xs],
            where="post",
            color=BEST,
            label="best so far",
        )
    failed = len(records) - len(done)
    axes.margins(y=0.15)
    axes.set_xlabel(
        "trial (in order of start; marker size: epochs)"
        + (f"; {failed} without a score" if failed else "")
    )
    axes.set_ylabel(OBJECTIVE)
    axes.set_title(f"{title}: {OBJECTIVE} per trial")
    axes.grid(alpha=0.3)
    if done:
        axes.legend(loc="best", fontsize=8)
    return Path(save_figure(figure, path, dpi=120))


def plot_parameters(records, path, title="search") -> Path:
    """Plots validation accuracy against parameter count (log scale).

    Documented points are labelled and the best trial is ringed; trials
    without a recorded parameter count are left out (the axis says how
    many).

    Args:
        records: see `load_trials`.
        path: the PNG file to write.
        title: the start of the figure's title.

    Returns:
        `path`.
    """
    records = load_trials(records)
    figure = new_figure(8, 4.5)
    axes = figure.add_subplot()
    done = [
        record for record in _completed(records) if record.get("parameters")
    ]
    missing = len(_completed(records)) - len(done)
    for group, color, label in (
        (
            [record for record in done if not record.get("point")],
            EXPLORED,
            "explored",
        ),
        (
            [record for record in done if record.get("point")],
            DOCUMENTED,
            "documented point",
        ),
    ):
        if group:
            axes.scatter(
                [record["parameters"] for record in group],
                [record["score"] for record in group],
                color=color,
                label=label,
                zorder=3,
            )
    for record in done:
        if record.get("point"):
            axes.annotate(
                record["point"],
                (record["parameters"], record["score"]),
                textcoords="offset points",
                xytext=(4, 3),
                fontsize=7,
                rotation=20,
            )
    if done:
        best = max(done, key=lambda record: record["score"])
        axes.scatter(
            [best["parameters"]],
            [best["score"]],
            s=160,
            facecolors="none",
            edgecolors=BEST,
            linewidths=2,
            label=f"best (trial {best['trial_id']})",
            zorder=4,
        )
        axes.set_xscale("log")
        axes.legend(loc="best", fontsize=8)
    else:
        axes.text(
            0.5,
            0.5,
            "no trial with a score and a parameter count",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
    axes.margins(x=0.08, y=0.15)
    axes.set_xlabel(
        "parameters"
        + (f" ({missing} trials without a count left out)" if missing else "")
    )
    axes.set_ylabel(OBJECTIVE)
    axes.set_title(f"{title}: {OBJECTIVE} against model size")
    axes.grid(alpha=0.3, which="both")
    return Path(save_figure(figure, path, dpi=120))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def plot_hyperparameters(records, path, title="search", columns=4) -> Path:
    """Plots validation accuracy against each hyperparameter's value.

    One small panel per hyperparameter, sharing the accuracy axis. Values
    that are not numbers, or numbers taking at most 6 distinct values, are
    categories (each trial a dot, jittered; a black bar at their mean);
    other numbers are a scatter plot, on a log axis when they span more
    than a factor of 20 (learning rates). A trial whose hyperparameter is
    inactive (e.g. `order` without BatchNorm) is left out of that panel,
    whose title then says how many trials it shows.

    Args:
        records: see `load_trials`.
        path: the PNG file to write.
        title: the start of the figure's title.
        columns: panels per row.

    Returns:
        `path`.
    """
    records = load_trials(records)
    done = _completed(records)
    names = []
    for record in done:
        names += [name for name in record["values"] if name not in names]
    rows = max(1, math.ceil(len(names) / columns))
    width = min(columns, max(1, len(names)))
    figure = new_figure(3.1 * width, 2.5 * rows + 0.4)
    panels = figure.subplots(rows, width, sharey=True, squeeze=False)
    for panel, axes in enumerate(panels.flat):
        if panel >= len(names):
            axes.set_visible(False)
            continue
        name = names[panel]
        shown = [
            record for record in done if record["values"].get(name) is not None
        ]
        _hyperparameter_panel(axes, name, shown)
        counted = (
            f" ({len(shown)} of {len(done)})" if len(shown) < len(done) else ""
        )
        axes.set_title(f"{name}{counted}", fontsize=9)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
        if panel % width == 0:
            axes.set_ylabel(OBJECTIVE, fontsize=8)
    if not names:
        panels.flat[0].set_visible(True)
        panels.flat[0].text(
            0.5, 0.5, "no completed trial", ha="center", va="center"
        )
    figure.suptitle(
        f"{title}: {OBJECTIVE} per hyperparameter value (orange: documented "
        "points; black bars: mean per value)",
        fontsize=10,
    )
    return Path(save_figure(figure, path, dpi=110))


def _hyperparameter_panel(axes, name, shown) -> None:
    values = [record["values"][name] for record in shown]
    scores = [record["score"] for record in shown]
    colors = [
        DOCUMENTED if record.get("point") else EXPLORED for record in shown
    ]
    numeric = all(_is_number(value) for value in values)
    if numeric and len(set(values)) > 6:
        axes.scatter(values, scores, c=colors, s=14, zorder=3)
        low, high = min(values), max(values)
        if low > 0 and high / low > 20:
            axes.set_xscale("log")
        return
    categories = sorted(set(values)) if numeric else _in_order(values)
    position = {value: place for place, value in enumerate(categories)}
    xs = [
        position[value] + 0.25 * math.sin(7.0 * index)
        for index, value in enumerate(values)
    ]
    axes.scatter(xs, scores, c=colors, s=14, zorder=3)
    for value in categories:
        group = [
            score
            for other, score in zip(values, scores, strict=True)
            if other == value
        ]
        mean = sum(group) / len(group)
        center = position[value]
        axes.plot(
            [center - 0.3, center + 0.3], [mean, mean], color="black", lw=1.5
        )
    labels = [_label(other) for other in categories]
    crowded = sum(len(label) for label in labels) > 24
    axes.set_xticks(range(len(categories)))
    axes.set_xticklabels(
        labels,
        rotation=30 if crowded else 0,
        ha="right" if crowded else "center",
    )
    axes.set_xlim(-0.6, len(categories) - 0.4)


def _in_order(values) -> list:
    seen = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _label(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def trials_markdown(source) -> str:
    """A markdown table of every trial, best first.

    Columns: rank, trial id, the documented architecture a trial is
    (empty for the trials the tuner drew), validation accuracy, epochs
    (`a-b (from t)` for a Hyperband round continuing trial `t`),
    parameters, training seconds, status and hyperparameter values.
    Values a trial did not record show as `-`.

    Args:
        source: see `load_trials`.

    Returns:
        The table, one line per trial, ending with a newline.

    Example:

    >>> from keras_cifar_blocks.hypermodels.study import trials_markdown
    >>> print(trials_markdown([
    ...     {"trial_id": "0", "status": "COMPLETED", "score": 0.3125,
    ...      "point": "li2018_model1", "epochs": 2, "parameters": 42442,
    ...      "seconds": 12.3, "values": {"stages": 2}},
    ... ]), end="")
    | Rank | Trial | Documented | Val. accuracy | Epochs | Parameters | \
Seconds | Status | Hyperparameters |
    | --- | --- | --- | --- | --- | --- | --- | --- | --- |
    | 1 | 0 | li2018_model1 | 0.3125 | 2 | 42,442 | 12.3 | COMPLETED \
| stages=2 |
    """
    records = load_trials(source)
    lines = [
        "| Rank | Trial | Documented | Val. accuracy | Epochs | Parameters "
        "| Seconds | Status | Hyperparameters |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    ranked = sorted(
        records,
        key=lambda record: (
            record.get("score") is None,
            -(record.get("score") or 0.0),
        ),
    )
    for rank, record in enumerate(ranked, start=1):
        if record.get("continues"):
            epochs = (
                f"{record.get('initial_epoch', 0)}-{record.get('epochs')} "
                f"(from {record['continues']})"
            )
        else:
            epochs = _cell(record.get("epochs"))
        score = "-" if record.get("score") is None else f"{record['score']:.4f}"
        parameters = record.get("parameters")
        point = record.get("point") or ""
        values = ", ".join(
            f"{key}={value:.3g}"
            if isinstance(value, float)
            else f"{key}={value}"
            for key, value in record["values"].items()
        )
        lines.append(
            f"| {rank} | {record['trial_id']} | {point} | {score} | {epochs} | "
            f"{'-' if parameters is None else f'{parameters:,}'} | "
            f"{_cell(record.get('seconds'))} | {record['status']} | {values} |"
        )
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    return "-" if value is None else str(value)


def write_trials_table(source, path) -> Path:
    """Writes `trials_markdown(source)` to `path` (a `.md` file).

    Returns:
        `path`, a `Path`.
    """
    return write_text(path, trials_markdown(source))
