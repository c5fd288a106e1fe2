"""The `kcb` command line (`keras_cifar_blocks.cli.main:main`)."""
