"""An identity (Dirac) initialization for convolution kernels."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class Dirac(keras.initializers.Initializer):
    """Identity filters first, the base initializer's for the rest.

    For a kernel `(kh, kw, in_channels, out_channels)`, the first
    `min(in_channels, out_channels)` filters pass their input channel
    through unchanged: 1 at the centre of the window for their own input
    channel, 0 elsewhere (PyTorch's `nn.init.dirac_`). The other filters
    come from `base`. A stack of such convolutions starts close to the
    identity, as if it had residual connections, which lets a plain
    network train fast from the first steps (airbench94 initializes
    every 3x3 convolution so).

    Args:
        base: initializer of the filters that are not identities (a
            Keras initializer or its name). Defaults to `"he_normal"`.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.initializers import Dirac
    >>> kernel = np.asarray(Dirac(base="zeros")((3, 3, 2, 4)))
    >>> kernel[1, 1]  # the centre: in_channels x out_channels
    array([[1., 0., 0., 0.],
           [0., 1., 0., 0.]], dtype=float32)
    >>> float(np.abs(kernel).sum())
    2.0

    Reference:

    - [Jordan, 2024](https://arxiv.org/abs/2404.00498), airbench94.
    """

    def __init__(self, base="he_normal"):
        self.base = keras.initializers.get(base)
        if self.base is None:
            raise ValueError(
                "Invalid value for argument `base`. Expected a Keras "
                f"initializer or its name. Received base={base!r}"
            )

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 3:
            raise ValueError(
                "`Dirac` initializes convolution kernels of shape "
                "(*window, in_channels, out_channels). Received "
                f"shape={shape}"
            )
        *window, in_channels, out_channels = shape
        identity = np.zeros(shape, dtype="float32")
        mask = np.zeros(shape, dtype=bool)
        filters = min(in_channels, out_channels)
        centre = tuple(size // 2 for size in window)
        mask[..., :filters] = True
        identity[(*centre, np.arange(filters), np.arange(filters))] = 1.0
        base = self.base(shape, dtype=dtype)
        return ops.where(mask, ops.cast(identity, base.dtype), base)

    def get_config(self):
        return {"base": keras.initializers.serialize(self.base)}
