"""A search space of CNNs made of `ConvBNPoolDropout` stages."""

import keras

from keras_cifar_blocks.hypermodels import base_hypermodel as base
from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.utils import validation as check

ORDERS = ("conv-act-bn", "conv-bn-act", "bn-act-conv")
PADDINGS = ("same", "valid")
ACTIVATIONS = ("relu", "elu", "mish")
KERNEL_INITIALIZERS = ("glorot_uniform", "he_uniform")
FILTERS = (16, 32, 64)
WIDTH_GROWTHS = (1.0, 1.5, 2.0)
MAX_FILTERS = (64, 128, 256, 512)
L2_FACTORS = (0.0, 1e-4, 1e-3)
HEAD_UNITS = (0, 64, 128, 256, 512)
MAX_CONVS = 3

# The seed reports' from-scratch CNNs as points of the default space.
# Each sets every hyperparameter that is active for it; see
# `ConvStackHyperModel` for what each one means.
_LI2018_MODEL2 = {
    "rescaling": False,
    "filters": 32,
    "width_growth": 2.0,
    "max_filters": 512,
    "convs": 1,
    "last_stage_convs": 1,
    "padding": "same",
    "last_stage_pool": True,
    "batch_norm": False,
    "activation": "relu",
    "kernel_initializer": "glorot_uniform",
    "l2": 0.0,
    "dropout": 0.25,
    "dropout_step": 0.0,
    "head_units": 512,
    "head_batch_norm": False,
    "head_dropout": 0.0,
    "optimizer": "sgd",
    "learning_rate": 0.01,
}
_LI2018_MODEL3 = {
    "rescaling": False,
    "filters": 32,
    "width_growth": 2.0,
    "max_filters": 512,
    "convs": 2,
    "last_stage_convs": 2,
    "padding": "same",
    "last_stage_pool": True,
    "batch_norm": True,
    "order": "conv-act-bn",
    "activation": "elu",
    "kernel_initializer": "glorot_uniform",
    "l2": 1e-4,
    "dropout": 0.2,
    "dropout_step": 0.1,
    "head_units": 0,
    "optimizer": "rmsprop",
    "learning_rate": 0.001,
}
POINTS = {
    "li2018_model1": {
        "rescaling": False,
        "stages": 2,
        "filters": 32,
        "width_growth": 2.0,
        "max_filters": 512,
        "convs": 1,
        "last_stage_convs": 1,
        "padding": "valid",
        "last_stage_pool": True,
        "batch_norm": False,
        "activation": "relu",
        "kernel_initializer": "glorot_uniform",
        "l2": 0.0,
        "dropout": 0.0,
        "dropout_step": 0.0,
        "head_units": 0,
        "optimizer": "adam",
        "learning_rate": 0.001,
    },
    **{
        f"li2018_model2_{stages - 2}": {**_LI2018_MODEL2, "stages": stages}
        for stages in (3, 4, 5)
    },
    **{
        f"li2018_model3_{stages - 2}": {**_LI2018_MODEL3, "stages": stages}
        for stages in (3, 4, 5)
    },
    "schnack2022": {
        "rescaling": True,
        "stages": 4,
        "filters": 32,
        "width_growth": 2.0,
        "max_filters": 512,
        "convs": 2,
        "last_stage_convs": 2,
        "padding": "same",
        "last_stage_pool": True,
        "batch_norm": True,
        "order": "conv-act-bn",
        "activation": "relu",
        "kernel_initializer": "glorot_uniform",
        "l2": 0.0,
        "dropout": 0.0,
        "dropout_step": 0.0,
        "head_units": 128,
        "head_batch_norm": False,
        "head_dropout": 0.0,
        "optimizer": "adam",
        "learning_rate": 0.001,
    },
    "donzella_cnn": {
        "rescaling": False,
        "stages": 3,
        "filters": 32,
        "width_growth": 2.0,
        "max_filters": 512,
        "convs": 2,
        "last_stage_convs": 1,
        "padding": "same",
        "last_stage_pool": True,
        "batch_norm": True,
        "order": "conv-act-bn",
        "activation": "mish",
        "kernel_initializer": "he_uniform",
        "l2": 1e-3,
        "dropout": 0.2,
        "dropout_step": 0.1,
        "head_units": 128,
        "head_batch_norm": True,
        "head_dropout": 0.5,
        "optimizer": "adam",
        "learning_rate": 0.001,
    },
    "ntua_simple_cnn": {
        "rescaling": False,
        "stages": 3,
        "filters": 32,
        "width_growth": 2.0,
        "max_filters": 64,
        "convs": 1,
        "last_stage_convs": 1,
        "padding": "valid",
        "last_stage_pool": False,
        "batch_norm": False,
        "activation": "relu",
        "kernel_initializer": "glorot_uniform",
        "l2": 0.0,
        "dropout": 0.0,
        "dropout_step": 0.0,
        "head_units": 64,
        "head_batch_norm": False,
        "head_dropout": 0.0,
        "optimizer": "adam",
        "learning_rate": 0.001,
    },
}


class ConvStackHyperModel(base.CifarHyperModel):
    """A KerasTuner search space of CNNs made of `ConvBNPoolDropout` stages.

    The model is an optional `Rescaling(1/255)`, `stages` conv stages,
    `Flatten`, an optional dense head (dense, BatchNorm, dropout) and the
    softmax classifier: the shape of every from-scratch CNN in the seed
    reports, each of which is a point of the default space (see
    `documented_points()`).

    Stage `i` (from 0) has `min(filters * width_growth**i, max_filters)`
    filters, rounded, and `convs` convolutions (`last_stage_convs` in the
    last stage), 2x2 max-pooling (optional in the last stage) and dropout
    `min(dropout + i * dropout_step, max_dropout)`.

    Hyperparameters (declared in `build`; defaults give
    `li2018_model3_1`):

    - `rescaling` (bool, `False`): the model divides 0-255 pixels by 255
      itself (`schnack2022`); otherwise `fit` does.
    - `stages` (int in [1, `max_stages`], `3`, or the most the other
      values allow when they are fixed first): depth.
    - `filters` (16, 32, 64; `32`): width of the first stage.
    - `width_growth` (1.0, 1.5, 2.0; `2.0`), `max_filters` (64 to 512;
      `512`): widening per stage and its cap (with 2 or more stages).
    - `convs` (1 to 3, `2`): convolutions of every stage but the last;
      `last_stage_convs` (1 to 3, `2`) in the last stage.
    - `padding` (`"same"`, `"valid"`; `"same"`), `last_stage_pool` (bool,
      `True`).
    - `batch_norm` (bool, `True`) and, with it, `order` (`"conv-act-bn"`,
      `"conv-bn-act"`, `"bn-act-conv"`).
    - `activation` (one of `activations`; `"elu"`), used by the stages and
      the dense head; `"mish"` is this package's `Mish`.
    - `kernel_initializer` (`"glorot_uniform"`, `"he_uniform"`), for the
      convolutions and the dense head.
    - `l2` (0, 1e-4, 1e-3; `1e-4`): L2 factor on the conv kernels.
    - `dropout` (0 to `max_dropout` in steps of 0.05; `0.2`) and
      `dropout_step` (0 to 0.2 in steps of 0.05; `0.1`, with 2 or more
      stages): the per-stage dropout schedule.
    - `head_units` (0, 64, 128, 256, 512; `0` = no dense layer) and, with
      a dense layer, `head_batch_norm` (bool) and `head_dropout` (0 to 0.5
      in steps of 0.05).
    - `optimizer` (one of `optimizers`; `"rmsprop"`) and
      `learning_rate` (log scale over `learning_rate_range`; `1e-3`).

    Every combination of values builds a model, so any tuner draws only
    models it can train. With `"valid"` padding, a stage whose unpadded
    convolutions would leave the image no pixel uses padded ones (`"same"`)
    and a pooling that would leave no pixel is left out: e.g. `stages=5`
    with `"valid"` padding and one convolution per stage is three
    unpadded stages, then two padded ones, the last without pooling.
    Every documented architecture fits its image and is built exactly as
    its values say. A value outside the space (e.g. fixed with
    `hp.Fixed`) raises an `InvalidHyperparametersError` naming it before
    any layer is created.

    Args:
        num_classes: int, number of output classes.
        input_shape: shape of one input image. Defaults to `(32, 32, 3)`.
        max_stages: int, the most stages searched. Defaults to the number
            of 2x2 poolings the image allows (5 for 32x32).
        activations: activation names the `activation` hyperparameter
            chooses from. Defaults to `("relu", "elu", "mish")`.
        optimizers: optimizer names for the `optimizer` hyperparameter,
            among `"adam"`, `"sgd"` (SGD with `momentum`) and `"rmsprop"`.
        learning_rate_range: `(low, high)` of the log-scale
            `learning_rate` hyperparameter. Defaults to `(1e-4, 0.1)`.
        max_dropout: float in [0, 1), the cap of the per-stage dropout
            schedule and the largest `dropout`. Defaults to `0.5`.
        kernel_size: int, the convolution window. Defaults to `3`.
        batch_norm_momentum: float in [0, 1), the momentum of every
            BatchNorm's moving statistics. Defaults to `0.99` (Keras' and
            the reports'); use `0.9` for searches of a few hundred steps,
            after which the moving statistics of `0.99` still lag behind
            (the documented points then differ from the registry's models
            in that setting only).
        momentum: float, SGD momentum. Defaults to `0.9`.
        loss: `"sparse_categorical_crossentropy"` (integer labels, the
            default) or `"categorical_crossentropy"` (one-hot labels).
        name: optional name of the hypermodel.
        tunable: bool, whether `build` adds its hyperparameters to the
            search space. Defaults to `True`.

    Example:

    >>> import keras_tuner
    >>> from keras_cifar_blocks.hypermodels import ConvStackHyperModel
    >>> hypermodel = ConvStackHyperModel(num_classes=10)
    >>> hp = keras_tuner.HyperParameters()
    >>> model = hypermodel.build(hp)
    >>> hp.get("stages"), hp.get("activation"), model.count_params()
    (3, 'elu', 309290)
    >>> point = hypermodel.documented_points()["donzella_cnn"]
    >>> point["activation"], point["last_stage_convs"], point["head_dropout"]
    ('mish', 1, 0.5)
    >>> hp = keras_tuner.HyperParameters()
    >>> for name, value in {"padding": "valid", "stages": 5, "convs": 1,
    ...                     "last_stage_convs": 1}.items():
    ...     _ = hp.Fixed(name, value)
    >>> model = hypermodel.build(hp)  # 32x32 runs out of pixels at stage 4
    >>> [model.get_layer(f"stage_{i}").padding for i in range(1, 6)]
    ['valid', 'valid', 'valid', 'same', 'same']
    >>> model.get_layer("stage_4").pool, model.get_layer("stage_5").pool
    ('max', None)
    """

    POINTS = POINTS
    DEFAULT_OPTIMIZER = "rmsprop"
    DEFAULT_LEARNING_RATE = 1e-3

    def __init__(
        self,
        num_classes,
        input_shape=(32, 32, 3),
        *,
        max_stages=None,
        activations=ACTIVATIONS,
        optimizers=base.OPTIMIZERS,
        learning_rate_range=(1e-4, 1e-1),
        max_dropout=0.5,
        kernel_size=3,
        batch_norm_momentum=0.99,
        momentum=0.9,
        loss="sparse_categorical_crossentropy",
        name=None,
        tunable=True,
    ):
        super().__init__(
            num_classes,
            input_shape,
            optimizers=optimizers,
            learning_rate_range=learning_rate_range,
            momentum=momentum,
            nesterov=False,
            loss=loss,
            name=name,
            tunable=tunable,
        )
        side = min(self.input_shape[:2])
        # The 2x2 poolings a side of `side` pixels takes, down to 1 pixel.
        most = side.bit_length() - 1
        if max_stages is None:
            max_stages = max(most, 1)
        check.positive_int("max_stages", max_stages)
        if max_stages > max(most, 1):
            raise ValueError(
                "Invalid value for argument `max_stages`. Expected at most "
                f"{max(most, 1)} for input_shape={self.input_shape}: each "
                "stage halves the image with 2x2 pooling. Received "
                f"max_stages={max_stages}"
            )
        self.max_stages = max_stages
        self.activations = base.check_choices("activations", activations)
        for activation in self.activations:
            if not isinstance(activation, str):
                raise TypeError(
                    "Invalid type for argument `activations`. Expected "
                    "activation names (strings). Received "
                    f"activations={self.activations!r}"
                )
            check.activation("activations", activation)
        self.max_dropout = check.rate("max_dropout", max_dropout)
        self.kernel_size = check.positive_int("kernel_size", kernel_size)
        self.batch_norm_momentum = check.rate(
            "batch_norm_momentum", batch_norm_momentum
        )

    def _declare(self, hp):
        s = {}
        s["rescaling"] = base.boolean(hp, "rescaling", False)
        s["padding"] = base.choice(hp, "padding", PADDINGS, "same")
        s["convs"] = base.integer(hp, "convs", 1, MAX_CONVS, 2)
        s["last_stage_convs"] = base.integer(
            hp, "last_stage_convs", 1, MAX_CONVS, 2
        )
        s["last_stage_pool"] = base.boolean(hp, "last_stage_pool", True)
        s["stages"] = base.integer(
            hp, "stages", 1, self.max_stages, self._default_stages(s)
        )
        s["filters"] = base.choice(hp, "filters", FILTERS, 32)
        s.update(width_growth=1.0, max_filters=None, dropout_step=0.0)
        deeper = {"stages": list(range(2, self.max_stages + 1))}
        if deeper["stages"]:
            growth = base.choice(
                hp, "width_growth", WIDTH_GROWTHS, 2.0, when=deeper
            )
            max_filters = base.choice(
                hp, "max_filters", MAX_FILTERS, 512, when=deeper
            )
            step = base.number(
                hp, "dropout_step", 0.0, 0.2, 0.1, 0.05, when=deeper
            )
            if growth is not None:
                s.update(
                    width_growth=growth,
                    max_filters=max_filters,
                    dropout_step=step,
                )
        s["batch_norm"] = base.boolean(hp, "batch_norm", True)
        order = base.choice(
            hp, "order", ORDERS, "conv-act-bn", when={"batch_norm": [True]}
        )
        # ConvBNPoolDropout's default order when there is no BatchNorm,
        # so the layer's config is the one the registry's models have.
        s["order"] = order or ORDERS[0]
        s["activation"] = base.choice(
            hp, "activation", self.activations, self._default_activation()
        )
        s["kernel_initializer"] = base.choice(
            hp, "kernel_initializer", KERNEL_INITIALIZERS, "glorot_uniform"
        )
        s["l2"] = base.choice(hp, "l2", L2_FACTORS, 1e-4)
        s["dropout"] = base.number(
            hp,
            "dropout",
            0.0,
            self.max_dropout,
            min(0.2, self.max_dropout),
            0.05,
        )
        s["head_units"] = base.choice(hp, "head_units", HEAD_UNITS, 0)
        head = {"head_units": [units for units in HEAD_UNITS if units]}
        head_batch_norm = base.boolean(hp, "head_batch_norm", False, when=head)
        head_dropout = base.number(
            hp, "head_dropout", 0.0, 0.5, 0.0, 0.05, when=head
        )
        s["head_batch_norm"] = bool(head_batch_norm)
        s["head_dropout"] = head_dropout or 0.0
        return s

    def _default_stages(self, settings):
        """The deepest of up to 3 stages the size settings fit exactly."""
        for stages in range(min(3, self.max_stages), 1, -1):
            if self._fits(dict(settings, stages=stages)):
                return stages
        return 1

    def _fits(self, settings) -> bool:
        """Whether the image leaves every stage its padding and pooling."""
        plan = self._stage_plan(settings)
        last = len(plan) - 1
        return all(
            padding == settings["padding"]
            and (
                pool is not None
                or (i == last and not settings["last_stage_pool"])
            )
            for i, (_, padding, pool) in enumerate(plan)
        )

    def _default_activation(self):
        return "elu" if "elu" in self.activations else self.activations[0]

    def _widths(self, settings):
        """The filters of each stage."""
        return [
            min(
                int(round(settings["filters"] * settings["width_growth"] ** i)),
                settings["max_filters"] or settings["filters"],
            )
            for i in range(settings["stages"])
        ]

    def _rates(self, settings):
        # Rounded so that 0.2 + 2 * 0.1 is the 0.4 a report writes.
        return [
            round(
                min(
                    settings["dropout"] + i * settings["dropout_step"],
                    self.max_dropout,
                ),
                6,
            )
            for i in range(settings["stages"])
        ]

    def _stage_plan(self, settings):
        """`(convs, padding, pool)` of each stage.

        With `"valid"` padding, a stage whose unpadded convolutions would
        leave no pixel uses padded ones, and a pooling that would leave no
        pixel is left out: every combination of values builds, and one
        whose image never gets that small (every documented architecture)
        is built exactly as its values say.
        """
        height, width = self.input_shape[:2]
        stages = settings["stages"]
        plan = []
        for i in range(stages):
            last = i == stages - 1
            convs = settings["last_stage_convs"] if last else settings["convs"]
            padding = settings["padding"]
            if padding == "valid":
                shrink = convs * (self.kernel_size - 1)
                if min(height, width) - shrink >= 1:
                    height, width = height - shrink, width - shrink
                else:
                    padding = "same"
            pool = None
            if (not last or settings["last_stage_pool"]) and min(
                height, width
            ) >= 2:
                pool = "max"
                height, width = height // 2, width // 2
            plan.append((convs, padding, pool))
        return plan

    def _build_model(self, s):
        activation = "Mish" if s["activation"] == "mish" else s["activation"]
        regularizer = keras.regularizers.L2(s["l2"]) if s["l2"] else None
        layers = [keras.Input(self.input_shape, name="images")]
        if s["rescaling"]:
            layers.append(keras.layers.Rescaling(1 / 255, name="rescaling"))
        for i, (filters, rate, (convs, padding, pool)) in enumerate(
            zip(
                self._widths(s),
                self._rates(s),
                self._stage_plan(s),
                strict=True,
            ),
            start=1,
        ):
            layers.append(
                ConvBNPoolDropout(
                    filters,
                    convs=convs,
                    kernel_size=self.kernel_size,
                    activation=activation,
                    batch_norm=s["batch_norm"],
                    order=s["order"],
                    pool=pool,
                    dropout=rate,
                    padding=padding,
                    kernel_initializer=s["kernel_initializer"],
                    kernel_regularizer=regularizer,
                    momentum=self.batch_norm_momentum,
                    name=f"stage_{i}",
                )
            )
        layers.append(keras.layers.Flatten(name="flatten"))
        if s["head_units"]:
            layers.append(
                keras.layers.Dense(
                    s["head_units"],
                    activation=activation,
                    kernel_initializer=s["kernel_initializer"],
                    name="dense",
                )
            )
            if s["head_batch_norm"]:
                layers.append(
                    keras.layers.BatchNormalization(
                        momentum=self.batch_norm_momentum, name="dense_bn"
                    )
                )
            if s["head_dropout"]:
                layers.append(
                    keras.layers.Dropout(
                        s["head_dropout"], name="dense_dropout"
                    )
                )
        layers.append(
            keras.layers.Dense(
                self.num_classes, activation="softmax", name="predictions"
            )
        )
        return keras.Sequential(layers, name=self.name or "conv_stack")

    def _takes_raw_pixels(self, settings):
        return settings["rescaling"]
