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
# # From a video to a per-frame CSV and figures
#
# `affectkeras.inference.predict` turns a video into one row per frame and face: YuNet finds
# the faces, each is aligned to the five-point template at the model's input size, an IoU
# tracker numbers the faces over time, and the model predicts in batches. This notebook:
#
# 1. trains a small model for expressions and valence/arousal on synthetic data;
# 2. draws a synthetic video of a person it never saw, pasted into larger cluttered frames;
# 3. predicts every frame, writes the CSV (`write_csv`) and reads it back with pandas;
# 4. compares the predictions with the video's own labels and draws the timeline and the
#    valence-arousal circumplex (`affectkeras.plots`).
#
# About a minute on 2 CPU cores; outputs go into a temporary folder. The command
# line does steps 3-4 as `affectkeras predict RUN_DIR clip.avi --out clip.csv --plot figures/`.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image, display

from affectkeras import labels, recipes
from affectkeras.data.synthetic import composite, make_video, write_affwild2, write_stills
from affectkeras.inference import predict, write_csv
from affectkeras.inference.video import write_video
from affectkeras.metrics import ccc
from affectkeras.plots import plot_circumplex, plot_timeline

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
STILLS = 1200  # synthetic expression photos (many identities: teaches expressions)
VIDEOS = 48  # synthetic Aff-Wild2 videos (labels valence/arousal, expressions, AUs)
FRAMES = 40  # frames per training video
IMAGE_SIZE = 32
EPOCHS = 10
CLIP_FRAMES = 150  # frames of the test video
FPS = 25.0
SEED = 0
WORK_DIR = None

# %%
work = Path(WORK_DIR or tempfile.mkdtemp(prefix="affectkeras-video-"))
print("outputs go to", work)

# %% [markdown]
# ## 1. A model for expressions and valence/arousal
#
# Two synthetic databases, as the multi-database recipes use real ones: expression photos of
# many people (like AffectNet or RAF-DB: expressions only) and an Aff-Wild2-style video tree
# (valence/arousal, expressions and AUs, each video annotated for some tasks). The recipe is
# seed 001's hard-sharing multi-task network, the `mtl` stage of `mtl_fusion`, trained for
# `expr,va`; with `stage=mtl` only that network is trained, into `RUN_DIR/mtl/` (the full
# recipe would add single-task networks and fuse them). Each sample's loss covers the tasks
# its database labels; the MISSING sentinels take care of the rest.

# %%
write_stills(
    work / "stills",
    "expression",
    STILLS,
    seed=SEED,
    size=IMAGE_SIZE,
    layout="csv",
    progress=False,
)
write_affwild2(
    work / "affwild2", videos=VIDEOS, frames=FRAMES, seed=SEED, size=IMAGE_SIZE, progress=False
)
data = [f"csv:{work / 'stills' / 'labels.csv'}", f"affwild2:{work / 'affwild2'}"]
result = recipes.train(
    "mtl_fusion",
    data,
    work / "run",
    overrides=[
        "stage=mtl",
        "tasks=expr,va",
        "backbone=tiny",
        f"image_size={IMAGE_SIZE}",
        f"epochs={EPOCHS}",
        "batch_size=32",
        "learning_rate=3e-3",
        "augment_translate=0",
        f"seed={SEED}",
        "verbose=0",
    ],
)
model_dir = work / "run" / "mtl"
print(f"trained in {result.seconds:.0f} s -> {model_dir}")
print({key: round(value, 3) for key, value in result.metrics.items() if key != "per_dataset"})

# %% [markdown]
# Those are the validation scores over both databases' held-out people. The expression score
# mixes the easy studio photos with the harder video frames.
#
# ## 2. A test video
#
# `make_video` draws one new person (data seed `SEED + 1`, not in the training tree) going
# through expression episodes, with the labels of every frame; `composite.composite_video`
# pastes the face, drifting, into 480x360 cluttered frames, so the face must be found before
# it can be read. `write_video` saves it as an MJPG `.avi`.

# %%
video = make_video(seed=SEED + 1, index=0, frames=CLIP_FRAMES)
frames, boxes = composite.composite_video(video, seed=SEED)
clip = write_video(work / "clip.avi", frames, fps=FPS)
print(clip, frames.shape)

names = labels.expression_names(8)
fig, axes = plt.subplots(1, 4, figsize=(12, 2.6))
for ax, index in zip(axes, np.linspace(0, CLIP_FRAMES - 1, 4).astype(int), strict=True):
    x, y, w, h = boxes[index]
    ax.imshow(frames[index])
    ax.add_patch(plt.Rectangle((x, y), w, h, fill=False, color="yellow", lw=1.5))
    ax.set_title(f"frame {index + 1}: {names[video.expression[index]]}", fontsize=9)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## 3. Predict, write the CSV, read it back

# %%
table = predict(model_dir, clip, batch_size=32)
csv_path = write_csv(table, work / "clip.csv")
timings = table.attrs["timings"]
print(f"{len(table)} rows, {table.attrs['no_face_frames']} frames without a face")
print("seconds per stage:", {k: round(v, 2) for k, v in timings["seconds"].items()})
print(f"-> {csv_path}")

# %% [markdown]
# One row per frame and face, with SPEC.md's columns: the face box, the predicted valence and
# arousal, the most probable expression and every probability. Columns of tasks this model
# does not predict (the AUs here) are present and empty.

# %%
csv = pd.read_csv(csv_path)
print(list(csv.columns))
shown = "image frame face box_x box_y box_w valence arousal expression_name p_happiness AU12"
csv[shown.split()].head()

# %% [markdown]
# ## 4. Against the video's labels
#
# The video knows what it shows: the expression of every frame (its episode's class while the
# intensity is >= 0.4, else neutral) and valence/arousal. A tiny model trained for seconds
# should not be expected to track them well; the numbers below say how far it gets. For
# scale: always answering "neutral" would be right on the share of neutral frames, and a
# constant valence or arousal has a CCC of 0. Frames of a video are not independent, so a
# centred moving average over the face's track (pandas `rolling`) is also scored.

# %%
SMOOTH = 9  # frames in the moving average
face0 = csv[csv["face"] == 0].set_index("frame")
frame_numbers = face0.index.to_numpy()
truth_expression = video.expression[frame_numbers - 1]
truth_va = video.va[frame_numbers - 1]
smoothed = face0[["valence", "arousal"]].rolling(SMOOTH, center=True, min_periods=1).mean()
agreement = pd.Series(
    {
        "frames with face 0": len(face0),
        "expression accuracy": np.mean(face0["expression"].to_numpy() == truth_expression),
        "share of neutral frames": np.mean(truth_expression == 0),
        "valence CCC": ccc(truth_va[:, 0], face0["valence"].to_numpy()),
        "arousal CCC": ccc(truth_va[:, 1], face0["arousal"].to_numpy()),
        f"valence CCC, {SMOOTH}-frame mean": ccc(truth_va[:, 0], smoothed["valence"].to_numpy()),
        f"arousal CCC, {SMOOTH}-frame mean": ccc(truth_va[:, 1], smoothed["arousal"].to_numpy()),
    }
)
agreement.round(3)

# %%
time_s = (frame_numbers - 1) / FPS
fig, axes = plt.subplots(2, 1, figsize=(10, 4.2), sharex=True)
for ax, column, name in zip(axes, range(2), ("valence", "arousal"), strict=True):
    ax.plot(time_s, truth_va[:, column], color="0.3", label="video label")
    ax.plot(time_s, face0[name], color="tab:red", alpha=0.5, label="predicted")
    ax.plot(time_s, smoothed[name], color="tab:red", label=f"{SMOOTH}-frame mean")
    ax.set_ylabel(name)
    ax.set_ylim(-1, 1)
axes[0].legend(loc="upper right", fontsize=8)
axes[1].set_xlabel("time (s)")
plt.show()

# %% [markdown]
# ## The figures of `predict --plot`
#
# `plot_timeline` draws one face's track: stacked expression probabilities and valence/arousal
# over time (hatched where no face was found). It takes the predict table, here the one read
# back from the CSV (give `fps`; the in-memory table carries it in `attrs`).

# %%
figures = work / "figures"
display(Image(filename=plot_timeline(csv, figures / "timeline.png", face=0, fps=FPS)))

# %% [markdown]
# `plot_circumplex` draws the valence-arousal trajectory on Russell's circumplex, coloured by
# time: the model's on the left, the video's labels on the right.

# %%
predicted = plot_circumplex(
    face0["valence"],
    face0["arousal"],
    figures / "circumplex_predicted.png",
    title="predicted",
    fps=FPS,
    frames=frame_numbers,
)
labelled = plot_circumplex(
    truth_va[:, 0],
    truth_va[:, 1],
    figures / "circumplex_labels.png",
    title="video labels",
    fps=FPS,
    frames=frame_numbers,
)
fig, axes = plt.subplots(1, 2, figsize=(13, 5.6))
for ax, path in zip(axes, (predicted, labelled), strict=True):
    ax.imshow(plt.imread(path))
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## Next
#
# - Real videos: `predict("RUN_DIR", "interview.mp4")` works the same; faces that YuNet misses
#   (small, turned away) get a row with `face` = -1. `affectkeras.inference.write_abaw` writes
#   ABAW challenge files instead of the CSV.
# - A temporal recipe's model (`temporal_stat`, `teacher_student`) is predicted the same way:
#   each face gets the window of its track's previous frames.
# - docs/inference.md describes the CSV and the pipeline's steps and speed.
