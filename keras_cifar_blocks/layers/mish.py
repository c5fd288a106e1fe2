"""The Mish activation: a function, a layer and the `"Mish"` string alias."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
def mish(x):
    """Mish activation function: `x * tanh(softplus(x))`.

    `softplus` is evaluated by each backend's overflow-safe kernel (it
    switches to `x` for large `x` instead of computing `log(1 + exp(x))`),
    so the result and its gradient stay finite for inputs as large as
    `1e4` in float32, float16 and bfloat16. The result has the dtype of
    `x`.

    Once `keras_cifar_blocks` is imported, the strings `"mish"` and
    `"Mish"` both resolve to a Mish activation in any Keras layer, as the
    seed reports write it (`Conv2D(32, 3, activation="Mish")`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the same shape and dtype as `x`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.layers import mish
    >>> y = mish(np.array([-1.0, 0.0, 1.0], dtype="float32"))
    >>> [round(float(v), 4) for v in keras.ops.convert_to_numpy(y).ravel()]
    [-0.3034, 0.0, 0.8651]

    Reference:

    - [Misra, 2019](https://arxiv.org/abs/1908.08681)
    """
    x = ops.convert_to_tensor(x)
    # No dispatch to a native Mish (`benchmarks/mish.py`, docs/benchmarks.md):
    # `jax.nn.mish` is no faster than this formula, which XLA fuses, and
    # TensorFlow has none. `torch.nn.functional.mish` is 0.65x the time on
    # a lone contiguous tensor, but inside a network it made training
    # slower (`donzella_cnn` 1.37x, `benchmarks/zero_overhead.py`),
    # probably because its backward is slow on the strided gradients that
    # Keras' channels-last PyTorch layers hand it.
    return x * ops.tanh(ops.softplus(x))


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class Mish(keras.layers.Layer):
    """Mish activation layer: `x * tanh(softplus(x))`.

    A smooth, non-monotonic alternative to ReLU used by the Milano-Bicocca
    CIFAR-10 report (`activation='Mish'`). It follows the layer's dtype
    policy, so under `keras.mixed_precision.set_global_policy(
    "mixed_bfloat16")` it computes and returns bfloat16.

    Args:
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: Input tensor of any shape.

    Input shape:
        Arbitrary.

    Output shape:
        Same shape as the input.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.layers import Mish
    >>> layer = Mish()
    >>> y = layer(np.array([[-1.0, 0.0, 1.0]], dtype="float32"))
    >>> [round(float(v), 4) for v in keras.ops.convert_to_numpy(y).ravel()]
    [-0.3034, 0.0, 0.8651]

    Reference:

    - [Misra, 2019](https://arxiv.org/abs/1908.08681)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return mish(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


def _register_activation_aliases() -> None:
    """Make `activations.get("Mish")` work in every Keras layer.

    Keras resolves activation strings only through its own table, so an
    alias has to go there; the lowercase `"mish"` is already Keras' own.
    Both are the same formula, so a model built with `"Mish"` serializes
    and reloads like one built with our `mish`.
    """
    from keras.src import activations

    activations.ALL_OBJECTS_DICT.setdefault("Mish", mish)


_register_activation_aliases()
