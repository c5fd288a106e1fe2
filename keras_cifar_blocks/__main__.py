import sys

from keras_cifar_blocks.cli.main import main

sys.exit(main())
