"""A convolution whose kernel whitens the image patches (airbench's stem)."""

import keras
import numpy as np
from keras import ops

from keras_cifar_blocks.utils import validation

# Images per chunk when `adapt` sums the patch products: bounds the
# memory of the patch matrix (1,000 CIFAR images: 3.8M rows of 12).
ADAPT_CHUNK = 1000


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class PatchWhitening(keras.layers.Layer):
    """A frozen `"valid"` convolution that whitens `kernel_size` patches.

    The kernel holds the eigenvectors of the patches' second-moment
    matrix, each divided by `sqrt(eigenvalue + epsilon)`, with both signs:
    a patch of `k * k * channels` values gives `2 * k * k * channels`
    filters, whose outputs are decorrelated and of unit variance on the
    data the layer was adapted to (`epsilon` damps the directions of
    little variance, which are mostly noise). Both signs keep the
    information that a ReLU or GELU after the layer would otherwise cut
    off. `adapt(images)` computes the kernel from training images, as
    Keras' preprocessing layers compute their statistics; the kernel is
    never trained, and is a weight, so a saved model keeps it. Until
    `adapt` is called the kernel passes each patch value through, with
    both signs (the whitening of uncorrelated, unit-variance patches).

    The bias is trainable by default (airbench94 trains it for the first
    epochs only).

    Args:
        kernel_size: int or tuple of 2 ints, the patch size. Defaults to
            `2` (airbench94's).
        epsilon: float > 0, added to the eigenvalues before the square
            root. Defaults to `5e-4` (airbench94's, for inputs
            standardized per channel).
        use_bias: bool, whether the layer adds a bias. Defaults to `True`.
        bias_trainable: bool, whether the bias is trained. Defaults to
            `True`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: 4D tensor `(batch, height, width, channels)`.

    Input shape:
        4D tensor with shape `(batch, height, width, channels)`.

    Output shape:
        4D tensor with shape `(batch, height - kh + 1, width - kw + 1,
        2 * kh * kw * channels)`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.layers import PatchWhitening
    >>> rng = np.random.default_rng(0)
    >>> images = rng.normal(size=(64, 8, 8, 3)).astype("float32")
    >>> images[..., 1] += images[..., 0]  # correlated channels
    >>> layer = PatchWhitening(kernel_size=2, epsilon=1e-6)
    >>> layer.adapt(images)
    >>> features = keras.ops.convert_to_numpy(layer(images))
    >>> features = features.reshape(-1, 24)[:, :12]
    >>> features.shape
    (3136, 12)
    >>> bool(np.allclose(features.T @ features / len(features), np.eye(12),
    ...                  atol=1e-3))
    True

    Reference:

    - [Jordan, 2024](https://arxiv.org/abs/2404.00498), airbench94's
      first layer.
    """

    def __init__(
        self,
        kernel_size=2,
        epsilon=5e-4,
        use_bias=True,
        bias_trainable=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.kernel_size = validation.positive_int_pair(
            "kernel_size", kernel_size
        )
        self.epsilon = validation.positive_float("epsilon", epsilon)
        self.use_bias = validation.boolean("use_bias", use_bias)
        self.bias_trainable = validation.boolean(
            "bias_trainable", bias_trainable
        )
        self.kernel = None
        self.bias = None

    def _patch_values(self, channels: int) -> int:
        return self.kernel_size[0] * self.kernel_size[1] * channels

    def build(self, input_shape):
        validation.image_rank(type(self).__name__, input_shape)
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                "`PatchWhitening` needs a known number of input channels. "
                f"Received input_shape={tuple(input_shape)}"
            )
        size = self._patch_values(channels)
        identity = np.eye(size, dtype="float32")
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, channels, 2 * size),
            initializer=keras.initializers.Constant(
                self._kernel_from(identity, np.ones(size), channels)
            ),
            trainable=False,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(2 * size,),
                initializer="zeros",
                trainable=self.bias_trainable,
            )

    def _kernel_from(self, eigenvectors, eigenvalues, channels):
        """The `(kh, kw, channels, 2 * size)` kernel of the basis."""
        scaled = eigenvectors / np.sqrt(eigenvalues + self.epsilon)
        kernel = np.concatenate([scaled, -scaled], axis=1)
        return kernel.reshape(*self.kernel_size, channels, -1).astype("float32")

    def adapt(self, images):
        """Computes the whitening kernel from `images`.

        The patches are every `kernel_size` window of every image
        (stride 1, no padding), read in the kernel's `(kh, kw, channels)`
        order; their second moments are summed in float64 over chunks of
        images, so 50,000 CIFAR images (48M patches) need about 100 MB.
        The moments are not centered, as airbench94 does: give images
        standardized per channel, as the model receives them.

        Args:
            images: array `(N, height, width, channels)`, channels last,
                as the layer receives them (e.g. normalized).
        """
        images = np.asarray(keras.ops.convert_to_numpy(images))
        if images.ndim != 4:
            raise ValueError(
                "Invalid value for argument `images`. Expected a 4D array "
                "(N, height, width, channels). Received an array of shape "
                f"{images.shape}"
            )
        kh, kw = self.kernel_size
        if len(images) == 0 or images.shape[1] < kh or images.shape[2] < kw:
            raise ValueError(
                "Invalid value for argument `images`. Expected at least "
                f"one {self.kernel_size} patch. Received an array of "
                f"shape {images.shape}"
            )
        if not self.built:
            self.build((None, *images.shape[1:]))
        channels = images.shape[-1]
        size = self._patch_values(channels)
        if self.kernel.shape[2] != channels:
            raise ValueError(
                f"`PatchWhitening` was built for {self.kernel.shape[2]} "
                f"channels. Received images of shape {images.shape}"
            )
        moments = np.zeros((size, size), dtype="float64")
        count = 0
        for start in range(0, len(images), ADAPT_CHUNK):
            chunk = images[start : start + ADAPT_CHUNK].astype("float32")
            # (n, oh, ow, channels, kh, kw) -> rows in (kh, kw, c) order.
            windows = np.lib.stride_tricks.sliding_window_view(
                chunk, self.kernel_size, axis=(1, 2)
            )
            patches = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, size)
            moments += (patches.T @ patches).astype("float64")
            count += len(patches)
        eigenvalues, eigenvectors = np.linalg.eigh(moments / count)
        # Largest variance first, as airbench94 orders its filters.
        order = np.argsort(eigenvalues)[::-1]
        self.kernel.assign(
            self._kernel_from(
                eigenvectors[:, order],
                np.maximum(eigenvalues[order], 0.0),
                channels,
            )
        )

    def call(self, inputs):
        outputs = ops.conv(inputs, self.kernel, strides=1, padding="valid")
        if self.bias is not None:
            outputs = outputs + self.bias
        return outputs

    def compute_output_shape(self, input_shape):
        validation.image_rank(type(self).__name__, input_shape)
        batch, height, width, channels = input_shape
        kh, kw = self.kernel_size
        return (
            batch,
            None if height is None else height - kh + 1,
            None if width is None else width - kw + 1,
            2 * self._patch_values(channels),
        )

    def get_config(self):
        config = {
            "kernel_size": self.kernel_size,
            "epsilon": self.epsilon,
            "use_bias": self.use_bias,
            "bias_trainable": self.bias_trainable,
        }
        return {**super().get_config(), **config}
