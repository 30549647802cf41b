#!/bin/bash
# Trains mini_xception on FER2013 + CK+48 with the mtl_fusion recipe's multi-task stage: the
# default preset's run and the shorter comparisons of docs/training.md ("Real faces").
# Rerun the same command to resume an interrupted run. Flip + 10 % shift and validation on
# every dataset are set explicitly: they were the recipe's defaults when the preset was trained
# (seed 001's recipe has since dropped augmentation and validates on Aff-Wild2, as its paper).
#
#   benchmarks/real_faces/train.sh DATA_DIR OUT EPOCHS [key=value ...]
#
# DATA_DIR holds fer2013/ and ckplus48/ (as ../shared/data does). The preset's run:
#   benchmarks/real_faces/train.sh ../shared/data runs/preset-a 44 label_smoothing=0.1 \
#       augment_rotation=10 augment_scale=0.1 augment_erase=0.25
# The 6-epoch comparisons: the same with OUT runs/full6 and 6, and runs/basic6 6 with no keys.
set -euo pipefail
data=$1 out=$2 epochs=$3
shift 3
extra=()
for item in "$@"; do extra+=(--set "$item"); done
exec affectkeras train --recipe mtl_fusion \
  --data "fer2013:$data/fer2013" \
  --data "ckplus:$data/ckplus48/CK+48?labels=$data/ckplus48/labels.csv" \
  --set stage=mtl --set tasks=expr,au --set backbone=mini_xception --set image_size=48 \
  --set epochs="$epochs" --set batch_size=64 --set optimizer=adam --set learning_rate=1e-3 \
  --set schedule=cosine --set expr_loss=ce --set au_loss=bce --set monitor=expr_acc \
  --set augment_flip=true --set augment_translate=0.1 --set validation_datasets=none \
  --set input_pipeline=in_memory --set verbose=2 --set seed=0 "${extra[@]}" --out "$out"
