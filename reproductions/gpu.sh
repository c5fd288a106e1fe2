#!/usr/bin/env bash
# The reproductions that cannot finish on a 2-core CPU, for a machine with a
# GPU. Run from the project's root after `pip install -e ".[tensorflow]"`
# (or `make install`), with a network for the ImageNet weights and CIFAR-100
# (keras.datasets downloads them), or with KCB_DATA_DIR set to a folder that
# holds cifar-10-python.tar.gz and cifar-100-python.tar.gz.
#
#   bash reproductions/gpu.sh            # every row below, one after another
#   bash reproductions/gpu.sh wrn_28_10  # the rows named
#
# Each row is resumable: run the same line again after a stop. Rows are
# written to reproductions/NAME and the table to reproductions/README.md;
# the run folders (with model.keras) to runs/reproductions. The estimated
# time of each row on one A100 is in the README's estimates table.
set -euo pipefail
cd "$(dirname "$0")/.."
export KERAS_BACKEND="${KERAS_BACKEND:-tensorflow}"

ROWS=(
  li2018_model2_2
  li2018_model2_3
  li2018_model3_3
  li2018_wrn_16_8
  wrn_28_10
  donzella_inception_resnet_v2
  badzioch2024_mobilenet_v2
  ntua_simple_cnn
  ntua_vgg16
  ntua_resnet
  ntua_densenet
)
if [ "$#" -gt 0 ]; then
  ROWS=("$@")
fi
KCB="${KCB:-kcb}"
"$KCB" info
"$KCB" reproduce "${ROWS[@]}" --verbose 2
"$KCB" reproduce --estimates
