"""Private base of the convolutional blocks: their sublayers, made alike."""

import keras


class BaseConvBlock(keras.layers.Layer):
    """Makes a block's Conv2D, BatchNormalization and Dropout sublayers.

    Subclasses set `filters`, `kernel_initializer`, `kernel_regularizer`,
    `momentum`, `epsilon`, `dropout` and `seed` in `__init__` (checked),
    then build their sublayers with these methods, so that every block
    makes them with the same arguments and its own dtype policy.
    """

    def _conv(self, name, kernel_size, *, strides=1, padding, use_bias):
        return keras.layers.Conv2D(
            self.filters,
            kernel_size,
            strides=strides,
            padding=padding,
            use_bias=use_bias,
            kernel_initializer=self.kernel_initializer,
            kernel_regularizer=self.kernel_regularizer,
            dtype=self.dtype_policy,
            name=name,
        )

    def _norm(self, name, scale=True, center=True):
        return keras.layers.BatchNormalization(
            momentum=self.momentum,
            epsilon=self.epsilon,
            scale=scale,
            center=center,
            dtype=self.dtype_policy,
            name=name,
        )

    def _dropout_layer(self):
        """A `Dropout` of rate `self.dropout`, or `None` for a rate of 0."""
        if self.dropout == 0:
            return None
        return keras.layers.Dropout(
            self.dropout,
            seed=self.seed,
            dtype=self.dtype_policy,
            name="dropout",
        )
