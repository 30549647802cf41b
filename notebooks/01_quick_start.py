# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Quick start: synthetic faces -> sample table -> trained model -> scores
#
# This notebook walks through affectkeras from Python, on data it draws itself (nothing is
# downloaded):
#
# 1. draw a small synthetic set of face images labelled with the seven basic expressions (the
#    library behind `affectkeras synth --stills expression`);
# 2. read it with `affectkeras.data.read` into the **sample table** every reader produces, and
#    look at it;
# 3. train a small expression model with the `single_task` recipe (`affectkeras.recipes.train`,
#    the function `affectkeras train` calls);
# 4. score it with the ABAW metrics, plot its confusion matrix, and use it on a few faces.
#
# It takes well under a minute on 2 CPU cores. Everything is written into a temporary folder
# (printed below); nothing goes into your working directory.

# %%
import tempfile
from pathlib import Path

import cv2
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image, display

import affectkeras
from affectkeras import labels, recipes
from affectkeras.data.synthetic import write_stills
from affectkeras.evaluation import evaluate
from affectkeras.predictor import load_predictor

# %% [markdown]
# ## Parameters
#
# Small on purpose: a 3-layer `tiny` network on 32x32 faces. The recipe's own defaults are the
# paper's (a ResNet-50 at 112 px for 10 epochs), far too slow for a notebook on a laptop CPU.
# `WORK_DIR = None` draws a fresh temporary folder; set a path to keep the outputs somewhere.

# %% tags=["parameters"]
IMAGES = 1400  # synthetic faces (the last fifth of the identities form the validation split)
IMAGE_SIZE = 32  # pixels, square
EPOCHS = 10
BATCH_SIZE = 32
LEARNING_RATE = 3e-3
SEED = 0
WORK_DIR = None

# %%
work = Path(WORK_DIR or tempfile.mkdtemp(prefix="affectkeras-quick-start-"))
print("outputs go to", work)

# %% [markdown]
# ## 1. Draw the data
#
# `write_stills` draws faces from 12 action-unit intensities (each AU moves its own feature;
# expressions are AU prototypes, e.g. happiness = AU6 + AU12) on different identities, and
# writes JPEGs plus a `labels.csv`. The same as
# `affectkeras synth --out DIR --stills expression --images 1400 --size 32 --layout csv`.

# %%
written = write_stills(
    work / "expressions",
    "expression",
    IMAGES,
    seed=SEED,
    size=IMAGE_SIZE,
    layout="csv",
    progress=False,
)
print(sorted(p.name for p in (work / "expressions").iterdir()))

# %% [markdown]
# ## 2. Read it into a sample table
#
# A data spec is `DATASET:PATH` with reader options after `?`. Every reader, whether for
# Aff-Wild2, AffectNet or this CSV, returns the same table: one row per image, canonical
# labels (expressions in Aff-Wild2 order, the 12 AUs, valence/arousal) and MISSING sentinels
# where a dataset does not label a task: -1 for an expression or an AU, -5 for valence/arousal.
# This set labels expressions only, so every AU column is -1 and valence/arousal are -5.

# %%
spec = f"csv:{work / 'expressions' / 'labels.csv'}"
table = affectkeras.data.read(spec)
table.head()

# %%
print("rows per split:", table["split"].value_counts().to_dict())
print("identities per split:", table.groupby("split")["subject"].nunique().to_dict())
names = labels.expression_names(7)
counts = table.groupby("split")["expression"].value_counts().unstack(fill_value=0)
counts.columns = [names[i] for i in counts.columns]
display(counts)

# %% [markdown]
# A few faces of the training split, one column per expression:

# %%
rng = np.random.default_rng(SEED)
fig, axes = plt.subplots(3, 7, figsize=(10, 4.6))
train_rows = table[table["split"] == "train"]
for column, name in enumerate(names):
    rows = train_rows[train_rows["expression"] == column]
    for row, index in enumerate(rng.choice(len(rows), 3, replace=False)):
        image = cv2.cvtColor(cv2.imread(rows["path"].iloc[index]), cv2.COLOR_BGR2RGB)
        axes[row, column].imshow(image)
        axes[row, column].set_axis_off()
    axes[0, column].set_title(name)
fig.suptitle(f"synthetic faces at {IMAGE_SIZE} px")
plt.show()

# %% [markdown]
# ## 3. Train with a recipe
#
# `recipes.train(recipe, data, run_dir, overrides=[...])` runs the same code as
# `affectkeras train --recipe single_task --data SPEC --out RUN_DIR --set key=value ...`:
# it reads the data, splits validation off by identity (here the set's own `validation`
# split), fits with `model.fit`, scores the whole validation set after every epoch and keeps
# the best epoch's model. `overrides` are the `--set` strings; an unknown key stops with a
# message that names it.
#
# We switch off the default random shift (`augment_translate=0`): on this small set it slows
# the tiny network down a lot (in our runs about 0.43 validation accuracy after these 10 epochs
# instead of 0.86).

# %%
result = recipes.train(
    "single_task",
    spec,
    work / "run",
    overrides=[
        "tasks=expr",
        "expr_loss=ce",
        "backbone=tiny",
        f"image_size={IMAGE_SIZE}",
        f"epochs={EPOCHS}",
        f"batch_size={BATCH_SIZE}",
        f"learning_rate={LEARNING_RATE}",
        "augment_translate=0",
        f"seed={SEED}",
        "verbose=0",
    ],
)
print(f"trained in {result.seconds:.0f} s; best epoch {result.best_epoch} (0-based)")
print("run directory:", sorted(p.name for p in result.run_dir.iterdir()))
display(result.metrics)

# %% [markdown]
# The run directory holds `model.keras` (the best epoch's predictor), the resolved
# `config.yaml`, `history.csv` (one row per epoch) and `metrics.json`. The history shows the
# training loss and the whole-set validation scores:

# %%
history = pd.read_csv(result.run_dir / "history.csv")
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
left.plot(history["epoch"], history["loss"], "o-", label="training")
left.plot(history["epoch"], history["val_loss"], "o-", label="validation")
left.set(xlabel="epoch", ylabel="loss", title="cross-entropy")
left.legend()
right.plot(history["epoch"], history["val_expr_f1"], "o-", label="macro F1")
right.plot(history["epoch"], history["val_expr_acc"], "o-", label="accuracy")
right.axhline(1 / 7, color="0.5", ls="--", label="chance accuracy")
right.set(xlabel="epoch", ylim=(0, 1), title="validation expression scores")
right.legend()
plt.show()

# %% [markdown]
# ## 4. Evaluate
#
# `evaluate` scores any trained model (a RUN_DIR or a `.keras` file) on any data spec with the
# ABAW metrics: `expr_f1` is the macro F1 over the classes, `expr_score_abaw2` the ABAW2
# challenge score (0.67 F1 + 0.33 accuracy). With `plot_dir` it also draws the figures of
# `affectkeras evaluate --plot`. Here the validation faces belong to people the model never
# saw.

# %%
scores = evaluate(result.run_dir, f"{spec}?split=validation", plot_dir=work / "figures")
# the pooled scores; per_dataset holds the same keys for each dataset (one here)
print({key: round(value, 3) for key, value in scores.items() if key != "per_dataset"})
display(Image(filename=work / "figures" / "confusion_matrix.png"))

# %% [markdown]
# ## Use the model
#
# `model.keras` takes uint8 RGB images of any batch size at the training size (normalisation
# is inside the model) and returns named outputs: here `expression`, the probabilities of the
# seven classes. For faces in whole photos or videos, `affectkeras.inference.predict` finds
# and aligns the faces first (notebook 03).

# %%
model = load_predictor(result.run_dir)
validation = table[table["split"] == "validation"].sample(6, random_state=SEED)
faces = np.stack([cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB) for path in validation["path"]])
probabilities = model.predict_on_batch(faces)["expression"]
fig, axes = plt.subplots(1, len(faces), figsize=(11, 2.4))
for ax, face, truth, p in zip(axes, faces, validation["expression"], probabilities, strict=True):
    ax.imshow(face)
    ax.set_axis_off()
    ax.set_title(f"true {names[truth]}\npred {names[p.argmax()]} ({p.max():.2f})", fontsize=9)
plt.show()

# %% [markdown]
# ## Next
#
# - `02_compare_recipes.py`: two of the papers' recipes on a synthetic Aff-Wild2-style video
#   set with all three tasks (expressions, AUs, valence/arousal).
# - `03_video_to_csv.py`: a video in, a per-frame CSV and figures out.
# - `04_export_and_serve.py`: a SavedModel for TF-Serving and a REST request.
# - docs/training.md lists every recipe and config key.
