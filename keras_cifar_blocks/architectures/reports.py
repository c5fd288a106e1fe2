"""The reports the architectures come from, and what their entries share.

One `Report` per source: its file in `shared/seeds/`, its citation, and
the recipe fields every architecture it documents shares (dataset, data
`Protocol`, loss, ...). The family presets (`conv_stack_presets`,
`wide_resnet_presets`, `transfer_presets`, `fast_cifar_presets`) make
each architecture's `Recipe` with `Report.recipe`, and the registry lists
the architectures report by report, in the order of `REPORTS`.
"""

import dataclasses

from keras_cifar_blocks.architectures.recipes import EarlyStoppingRule
from keras_cifar_blocks.architectures.recipes import Protocol
from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.architectures.recipes import Source


@dataclasses.dataclass(frozen=True)
class Report:
    """A source of documented architectures and what its recipes share.

    Attributes:
        report: file name of the report in `shared/seeds/`, or `None`
            for a recipe of this package (`Source.report`).
        citation: short citation of the report.
        shared_sections: sections every entry of the report cites, after
            its own (e.g. the section that states a common baseline).
        recipe_fields: `(field, value)` pairs of the `Recipe` fields every
            entry shares, e.g. `(("dataset", "cifar10"),)`.

    Example:

    >>> from keras_cifar_blocks.architectures.reports import LI2018
    >>> LI2018.source("Figure 3").report
    '003_9b08b6f72382b430.txt'
    """

    report: str | None
    citation: str
    shared_sections: tuple[str, ...] = ()
    recipe_fields: tuple = ()

    def source(self, *sections) -> Source:
        """The `Source` of an entry documented in `sections`."""
        return Source(
            self.report, (*sections, *self.shared_sections), self.citation
        )

    def recipe(self, name, sections, **fields) -> Recipe:
        """The `Recipe` of entry `name`: the shared fields, then `fields`."""
        return Recipe(
            name=name,
            source=self.source(*sections),
            **{**dict(self.recipe_fields), **fields},
        )


# Every model of the report: Keras' examples' model.fit protocol.
_LI2018_PROTOCOL = Protocol(
    validation="test",
    reported="final",
    note=(
        "The report trains each model for a fixed number of epochs on the "
        "50,000 training images, plots train/test curves per epoch (Tables "
        "2-4, 8-10, 14-16: model.fit(..., validation_data=(x_test, "
        "y_test)), as in the Keras examples it follows) and gives the test "
        "accuracy 'after 100 epochs' (200 for model 2): the last epoch's."
    ),
)

LI2018 = Report(
    "003_9b08b6f72382b430.txt",
    'Li (2018), "CIFAR10 CNN use Keras"',
    recipe_fields=(
        ("dataset", "cifar10"),
        ("loss", "sparse_categorical_crossentropy"),
        ("input_normalization", "divide_by_255"),
        ("protocol", _LI2018_PROTOCOL),
    ),
)
LI2018_LOSS_NOTE = (
    "Loss: the report names none; sparse categorical cross-entropy on the "
    "integer labels (the same loss as categorical cross-entropy on one-hot "
    "labels, as the Keras examples of the time wrote it)."
)
LI2018_NORMALIZATION_NOTE = (
    "Input normalization: the report does not say; pixels divided by 255, "
    "as in the Keras CIFAR-10 examples it builds on."
)

_ZAGORUYKO2016_PROTOCOL = Protocol(
    validation="test",
    reported="final",
    note=(
        "The paper trains on all 50,000 training images for 200 epochs "
        "and reports the test error at the end (the median of runs); the "
        "test set is watched every epoch for the curves only."
    ),
)

ZAGORUYKO2016 = Report(
    "003_9b08b6f72382b430.txt",
    (
        'Li (2018), "CIFAR10 CNN use Keras", and its reference [10], '
        "Zagoruyko and Komodakis (2016), Wide Residual Networks"
    ),
    recipe_fields=(("protocol", _ZAGORUYKO2016_PROTOCOL),),
)

_SCHNACK2022_PROTOCOL = Protocol(
    validation="test",
    reported="best",
    note=(
        "Table 1 gives the 'best test accuracy' of runs that stop early: "
        "the slides validate on the test set and report its best epoch "
        "(EarlyStopping with restore_best_weights)."
    ),
)

SCHNACK2022 = Report(
    "000_b73c0e796d975c7e.txt",
    (
        "Schnack (2022), TUM slides 'Image classification of CIFAR-10 with "
        "Deep Learning using TensorFlow'"
    ),
    recipe_fields=(("protocol", _SCHNACK2022_PROTOCOL),),
)

_DONZELLA_PROTOCOL = Protocol(
    validation="test",
    reported="final",
    note=(
        "The report's code: model.fit(x_train, yc_train, ..., "
        "validation_data=(x_test, yc_test)) on all 50,000 training images; "
        "it gives the test accuracy where training ends ('always around "
        "86%'), the last epoch's (EarlyStopping without "
        "restore_best_weights)."
    ),
)

DONZELLA = Report(
    "004_753b23262839900e.txt",
    (
        "Donzella and Picarelli, Università di Milano-Bicocca, 'Image "
        "classification' (Foundations of Deep Learning project)"
    ),
    recipe_fields=(
        ("dataset", "cifar10"),
        ("optimizer", "adam"),
        ("learning_rate", 0.001),
        ("loss", "categorical_crossentropy"),
        ("augmentation", "donzella"),
        ("protocol", _DONZELLA_PROTOCOL),
    ),
)

# The NTUA report's baseline, which all four of its models train with.
NTUA = Report(
    "001_1916683a2f029551.txt",
    (
        "National Technical University of Athens, Neural Networks and "
        "Intelligent Computer Systems, 'Deep Learning' (CIFAR-100)"
    ),
    shared_sections=("Objective",),
    recipe_fields=(
        ("dataset", "cifar100"),
        ("optimizer", "adam"),
        ("learning_rate", 0.001),
        ("batch_size", 128),
        ("early_stopping", EarlyStoppingRule("val_loss", patience=25)),
        ("loss", "sparse_categorical_crossentropy"),
        ("augmentation", "ntua"),
    ),
)
NTUA_BASELINE_NOTES = (
    "The report's baseline: Adam (Keras' default learning rate 0.001), "
    "sparse categorical cross-entropy, batch 128, early stopping when "
    "the validation loss has not improved for 25 epochs (Keras' "
    "EarlyStopping defaults otherwise).",
    "Augmentation: the 'ntua' preset (flip, zoom, rotation, shifts; the "
    "report names them without values).",
)

_BADZIOCH2024_PROTOCOL = Protocol(
    validation="test",
    reported="final",
    note=(
        "The report splits the data into training (50,000) and test "
        "(10,000) sets only, and gives the accuracy 'on the validation "
        "set' (95%) at the end of its 30 epochs: its validation set is the "
        "test set, the last epoch's accuracy."
    ),
)

BADZIOCH2024 = Report(
    "002_34de920739df3dbc.txt",
    (
        "Badzioch, Boyd, Solorzano and Degbo (2024), 'Exploration of "
        "TensorFlow x Keras model performance utilizing CIFAR-10 & deep "
        "learning techniques'"
    ),
    recipe_fields=(("protocol", _BADZIOCH2024_PROTOCOL),),
)

_AIRBENCH_PROTOCOL = Protocol(
    validation="none",
    reported="final",
    note=(
        "As airbench94: train on all 50,000 training images, no "
        "validation, and report the test accuracy after the last epoch."
    ),
)

# Not a seed report: the source of this package's own `fast_cifar`.
AIRBENCH = Report(
    None,
    (
        "Jordan (2024), '94% on CIFAR-10 in 3.29 Seconds on a Single GPU' "
        "(airbench), arXiv:2404.00498"
    ),
    recipe_fields=(("protocol", _AIRBENCH_PROTOCOL),),
)

# The order in which `names()` lists the architectures, report by report.
REPORTS = (
    LI2018,
    ZAGORUYKO2016,
    SCHNACK2022,
    DONZELLA,
    NTUA,
    BADZIOCH2024,
    AIRBENCH,
)
