"""A search space of CNNs made of `ConvBNPoolDropout` stages.

Each value of the space is a `ConvStackConfig`, built by the registry's
own builder (`conv_stack`); the documented points are derived from the
registry's configs (`documented_points()`).
"""

import dataclasses

from keras_cifar_blocks.architectures.conv_stack import ORDERS
from keras_cifar_blocks.architectures.conv_stack import PADDINGS
from keras_cifar_blocks.architectures.conv_stack import ConvStackConfig
from keras_cifar_blocks.architectures.conv_stack import conv_stack
from keras_cifar_blocks.hypermodels import base_hypermodel
from keras_cifar_blocks.utils import validation

ACTIVATIONS = ("relu", "elu", "mish")
KERNEL_INITIALIZERS = ("glorot_uniform", "he_uniform")
FILTERS = (16, 32, 64)
WIDTH_GROWTHS = (1.0, 1.5, 2.0)
MAX_FILTERS = (64, 128, 256, 512)
L2_FACTORS = (0.0, 1e-4, 1e-3)
HEAD_UNITS = (0, 64, 128, 256, 512)
MAX_CONVS = 3


class ConvStackHyperModel(base_hypermodel.CifarHyperModel):
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
        dtype_policy: the dtype policy every model is built under, e.g.
            `"mixed_bfloat16"`. Defaults to Keras' global policy when the
            hypermodel is made (tuners clear it before each build).

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

    CONFIG = ConvStackConfig
    DEFAULT_OPTIMIZER = "rmsprop"
    DEFAULT_LEARNING_RATE = 1e-3
    LABEL_FIELDS = ("head_dropout_name",)

    def __init__(
        self,
        num_classes,
        input_shape=(32, 32, 3),
        *,
        max_stages=None,
        activations=ACTIVATIONS,
        optimizers=base_hypermodel.OPTIMIZERS,
        learning_rate_range=(1e-4, 1e-1),
        max_dropout=0.5,
        kernel_size=3,
        batch_norm_momentum=0.99,
        momentum=0.9,
        loss="sparse_categorical_crossentropy",
        name=None,
        tunable=True,
        dtype_policy=None,
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
            dtype_policy=dtype_policy,
        )
        side = min(self.input_shape[:2])
        # The 2x2 poolings a side of `side` pixels takes, down to 1 pixel.
        most = side.bit_length() - 1
        if max_stages is None:
            max_stages = max(most, 1)
        validation.positive_int("max_stages", max_stages)
        if max_stages > max(most, 1):
            raise ValueError(
                "Invalid value for argument `max_stages`. Expected at most "
                f"{max(most, 1)} for input_shape={self.input_shape}: each "
                "stage halves the image with 2x2 pooling. Received "
                f"max_stages={max_stages}"
            )
        self.max_stages = max_stages
        self.activations = base_hypermodel.check_choices(
            "activations", activations
        )
        for activation in self.activations:
            if not isinstance(activation, str):
                raise TypeError(
                    "Invalid type for argument `activations`. Expected "
                    "activation names (strings). Received "
                    f"activations={self.activations!r}"
                )
            validation.activation("activations", activation)
        self.max_dropout = validation.rate("max_dropout", max_dropout)
        self.kernel_size = validation.positive_int("kernel_size", kernel_size)
        self.batch_norm_momentum = validation.rate(
            "batch_norm_momentum", batch_norm_momentum
        )

    def _declare(self, hp):
        settings = {}
        settings["rescaling"] = base_hypermodel.boolean(hp, "rescaling", False)
        settings["padding"] = base_hypermodel.choice(
            hp, "padding", PADDINGS, "same"
        )
        settings["convs"] = base_hypermodel.integer(
            hp, "convs", 1, MAX_CONVS, 2
        )
        settings["last_stage_convs"] = base_hypermodel.integer(
            hp, "last_stage_convs", 1, MAX_CONVS, 2
        )
        settings["last_stage_pool"] = base_hypermodel.boolean(
            hp, "last_stage_pool", True
        )
        settings["stages"] = base_hypermodel.integer(
            hp, "stages", 1, self.max_stages, self._default_stages(settings)
        )
        settings["filters"] = base_hypermodel.choice(hp, "filters", FILTERS, 32)
        settings.update(width_growth=1.0, max_filters=None, dropout_step=0.0)
        deeper = {"stages": list(range(2, self.max_stages + 1))}
        if deeper["stages"]:
            growth = base_hypermodel.choice(
                hp, "width_growth", WIDTH_GROWTHS, 2.0, when=deeper
            )
            max_filters = base_hypermodel.choice(
                hp, "max_filters", MAX_FILTERS, 512, when=deeper
            )
            step = base_hypermodel.number(
                hp, "dropout_step", 0.0, 0.2, 0.1, 0.05, when=deeper
            )
            if growth is not None:
                settings.update(
                    width_growth=growth,
                    max_filters=max_filters,
                    dropout_step=step,
                )
        settings["batch_norm"] = base_hypermodel.boolean(hp, "batch_norm", True)
        order = base_hypermodel.choice(
            hp, "order", ORDERS, "conv-act-bn", when={"batch_norm": [True]}
        )
        # ConvBNPoolDropout's default order when there is no BatchNorm,
        # so the layer's config is the one the registry's models have.
        settings["order"] = order or ORDERS[0]
        settings["activation"] = base_hypermodel.choice(
            hp, "activation", self.activations, self._default_activation()
        )
        settings["kernel_initializer"] = base_hypermodel.choice(
            hp, "kernel_initializer", KERNEL_INITIALIZERS, "glorot_uniform"
        )
        settings["l2"] = base_hypermodel.choice(hp, "l2", L2_FACTORS, 1e-4)
        settings["dropout"] = base_hypermodel.number(
            hp,
            "dropout",
            0.0,
            self.max_dropout,
            min(0.2, self.max_dropout),
            0.05,
        )
        settings["head_units"] = base_hypermodel.choice(
            hp, "head_units", HEAD_UNITS, 0
        )
        head = {"head_units": [units for units in HEAD_UNITS if units]}
        head_batch_norm = base_hypermodel.boolean(
            hp, "head_batch_norm", False, when=head
        )
        head_dropout = base_hypermodel.number(
            hp, "head_dropout", 0.0, 0.5, 0.0, 0.05, when=head
        )
        settings["head_batch_norm"] = bool(head_batch_norm)
        settings["head_dropout"] = head_dropout or 0.0
        return settings

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
                or (index == last and not settings["last_stage_pool"])
            )
            for index, (_, padding, pool) in enumerate(plan)
        )

    def _default_activation(self):
        return "elu" if "elu" in self.activations else self.activations[0]

    def _widths(self, settings):
        """The filters of each stage."""
        return [
            min(
                int(
                    round(
                        settings["filters"] * settings["width_growth"] ** index
                    )
                ),
                settings["max_filters"] or settings["filters"],
            )
            for index in range(settings["stages"])
        ]

    def _rates(self, settings):
        # Rounded so that 0.2 + 2 * 0.1 is the 0.4 a report writes.
        return [
            round(
                min(
                    settings["dropout"] + index * settings["dropout_step"],
                    self.max_dropout,
                ),
                6,
            )
            for index in range(settings["stages"])
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
        for index in range(stages):
            last = index == stages - 1
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

    def _config(self, settings) -> ConvStackConfig:
        """The network that `settings` describe, as the registry holds it."""
        convs, paddings, pools = zip(*self._stage_plan(settings), strict=True)
        activation = settings["activation"]
        return ConvStackConfig(
            filters=tuple(self._widths(settings)),
            convs=convs,
            padding=paddings,
            pool=pools,
            batch_norm=settings["batch_norm"],
            order=settings["order"],
            # "mish" is this package's `Mish`, as the reports write it.
            activation="Mish" if activation == "mish" else activation,
            kernel_initializer=settings["kernel_initializer"],
            l2=settings["l2"],
            dropout=tuple(self._rates(settings)),
            head_units=settings["head_units"] or None,
            head_batch_norm=settings["head_batch_norm"],
            head_dropout=settings["head_dropout"],
            rescaling=settings["rescaling"],
            kernel_size=self.kernel_size,
            batch_norm_momentum=self.batch_norm_momentum,
        )

    def _build_model(self, settings):
        return conv_stack(
            self._config(settings),
            self.num_classes,
            self.input_shape,
            name=self.name or "conv_stack",
        )

    def _canonical(self, config) -> ConvStackConfig:
        return config.per_stage()

    def _comparable(self, config) -> ConvStackConfig:
        # A point is its architecture but for the BatchNorm momentum (a
        # fixed argument here) and the name of the head's dropout layer.
        return dataclasses.replace(
            self._canonical(config),
            batch_norm_momentum=self.batch_norm_momentum,
            head_dropout_name="dense_dropout",
        )

    def _point(self, config) -> dict:
        """The hyperparameter values of a `ConvStackConfig`."""
        filters, convs = config.filters, config.stage_convs()
        rates = config.stage_dropouts()
        values = {"rescaling": config.rescaling, "stages": config.stages}
        values["filters"] = filters[0]
        if config.stages > 1:
            growth = filters[1] / filters[0]
            capped = filters[-1] < filters[0] * growth ** (config.stages - 1)
            values["width_growth"] = growth
            # The cap only where the widths stop growing; else the most.
            values["max_filters"] = filters[-1] if capped else MAX_FILTERS[-1]
        values["convs"] = convs[0]
        values["last_stage_convs"] = convs[-1]
        values["padding"] = config.stage_paddings()[0]
        values["last_stage_pool"] = config.stage_pools()[-1] is not None
        values["batch_norm"] = config.batch_norm
        if config.batch_norm:
            values["order"] = config.order
        values["activation"] = config.activation.lower()
        values["kernel_initializer"] = config.kernel_initializer
        values["l2"] = config.l2
        values["dropout"] = rates[0]
        if config.stages > 1:
            values["dropout_step"] = round(rates[1] - rates[0], 6)
        values["head_units"] = config.head_units or 0
        if config.head_units:
            values["head_batch_norm"] = config.head_batch_norm
            values["head_dropout"] = config.head_dropout
        return values

    def _takes_raw_pixels(self, settings):
        return settings["rescaling"]
