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
# # Export a model and serve it with TF-Serving
#
# `affectkeras.export.export_model` writes a trained predictor as a SavedModel whose
# `serving_default` signature takes `image`, uint8 RGB `[batch, H, W, 3]` of any size (resize
# and normalisation happen inside), and returns float32 `expression`, `action_units` and
# `valence_arousal` for the tasks the model predicts. This notebook:
#
# 1. trains a small three-task model;
# 2. exports it and inspects the signature;
# 3. builds a TF-Serving REST `:predict` body from image files (`rest_request_body`) and
#    answers it the way the server would (`serve_rest`), without a server;
# 4. checks the answers against the Keras model;
# 5. shows the `docker` and `curl` commands for a real TF-Serving (not run here).
#
# About a minute on 2 CPU cores; outputs go into a temporary folder. Exporting needs
# TensorFlow (`pip install "affectkeras[tf-cpu]"`). The command line equivalent of step 2 is
# `affectkeras export RUN_DIR --out DIR`; docs/serving.md has the details.

# %%
import json
import tempfile
from pathlib import Path

import cv2
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from IPython.display import display

from affectkeras import labels, recipes
from affectkeras.data.synthetic import composite, make_video, write_affwild2, write_stills
from affectkeras.export import export_model, rest_request_body, serve_rest
from affectkeras.inference import FaceDetector, align_face
from affectkeras.predictor import load_predictor

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
STILLS = 1200  # synthetic expression photos
VIDEOS = 36  # synthetic Aff-Wild2 videos (expressions, AUs, valence/arousal)
FRAMES = 30
IMAGE_SIZE = 32
EPOCHS = 8
SEED = 0
WORK_DIR = None

# %%
work = Path(WORK_DIR or tempfile.mkdtemp(prefix="affectkeras-export-"))
print("outputs go to", work)

# %% [markdown]
# ## 1. A small model
#
# As in notebook 03: seed 001's multi-task network (the `mtl` stage of `mtl_fusion`) on two
# synthetic databases, here for all three tasks and only a few epochs. Its quality does not
# matter for exporting; any recipe's `model.keras` (or RUN_DIR) exports the same way.

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

# %% [markdown]
# ## 2. Export
#
# TF-Serving loads `MODEL_BASE_PATH/MODEL_NAME/VERSION/`, so we export into a numbered folder.
# The export is written under a temporary name, run once in TensorFlow and compared with the
# Keras model (within 1e-5), and only then renamed to `out`; an existing folder is refused
# unless `overwrite=True`. `affectkeras.json` beside it records the label names, the input
# size and the difference the check measured.

# %%
export_dir = export_model(model_dir, work / "export" / "affect" / "1")
print(sorted(p.name for p in export_dir.iterdir()))
metadata = json.loads((export_dir / "affectkeras.json").read_text())
print("format:", metadata["format"], "| predictor:", metadata["predictor"])
for name, output in metadata["outputs"].items():
    print(f"  {name}: {output['dtype']} {output['shape']}, labels {output['labels']}")
print("check:", metadata["check"])

# %% [markdown]
# The signature, as TensorFlow (and TF-Serving) sees it; `saved_model_cli show --dir DIR
# --tag_set serve --signature_def serving_default` prints the same. The batch, height and width
# are left open (`None`).

# %%
loaded = tf.saved_model.load(str(export_dir))
signature = loaded.signatures["serving_default"]
print("inputs: ", signature.structured_input_signature[1])
print("outputs:", signature.structured_outputs)

# %% [markdown]
# ## 3. A REST request from image files
#
# Two requests: four validation photos at the model's size (files as a client would send
# them), and one larger face: a frame of a synthetic video in which YuNet finds the face and
# `align_face` warps it to the 112x112 five-point template, the crop `affectkeras predict`
# would feed the model, saved as a PNG. The artifact does not detect faces; clients send
# aligned crops, of any size.

# %%
stills = pd.read_csv(work / "stills" / "labels.csv")
picked = stills[stills["split"] == "validation"].sample(4, random_state=SEED)
photo_files = [work / "stills" / path for path in picked["path"]]

video = make_video(seed=SEED + 1, index=0, frames=1)
frames, _ = composite.composite_video(video, seed=SEED)
face = FaceDetector().detect(frames[0])[0]
crop = align_face(frames[0], face.landmarks, size=112)
crop_file = work / "aligned_face.png"
cv2.imwrite(str(crop_file), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))

body = rest_request_body(photo_files)  # row layout: {"instances": [H x W x 3 lists, ...]}
text = json.dumps(body)
print(f"{len(body['instances'])} instances, {len(text) / 1024:.0f} KiB of JSON: {text[:70]}...")
response = serve_rest(export_dir, body)
print(sorted(response["predictions"][0]))

# %% [markdown]
# The answer has one object per instance, each output by name, in the label order of
# `affectkeras.json`:

# %%
names = labels.expression_names(len(response["predictions"][0]["expression"]))
rows = []
for file, truth, prediction in zip(
    photo_files, picked["label_native"], response["predictions"], strict=True
):
    probabilities = np.array(prediction["expression"])
    valence, arousal = prediction["valence_arousal"]
    aus = prediction["action_units"]
    active = [au for au, p in zip(labels.ACTION_UNITS, aus, strict=True) if p >= 0.5]
    rows.append(
        {
            "file": file.name,
            "true expression": truth,
            "expression": names[probabilities.argmax()],
            "p": probabilities.max(),
            "valence": valence,
            "arousal": arousal,
            "AUs >= 0.5": " ".join(active),
        }
    )
display(pd.DataFrame(rows).round(3))

# %% [markdown]
# The columnar layout (`{"inputs": {"image": [...]}}`) answers `{"outputs": {name: batch}}`.
# Here it carries the 112x112 crop, resized to the model's size inside the artifact:

# %%
crop_response = serve_rest(export_dir, rest_request_body([crop_file], style="inputs"))
print({name: np.shape(value) for name, value in crop_response["outputs"].items()})
crop_expression = np.array(crop_response["outputs"]["expression"][0])
print(
    f"aligned crop: {names[crop_expression.argmax()]} ({crop_expression.max():.2f}); "
    f"the video's label for this frame: {names[video.expression[0]]}"
)

# %% [markdown]
# ## 4. Served answers vs the Keras model
#
# On images already at the model's size the SavedModel runs the same graph as `model.keras`;
# the largest difference per output:

# %%
keras_model = load_predictor(model_dir)
pixels = np.stack([cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB) for f in photo_files])
keras_outputs = keras_model.predict_on_batch(pixels)
differences = {
    name: float(np.abs(np.array([p[name] for p in response["predictions"]]) - value).max())
    for name, value in keras_outputs.items()
}
print(differences)
assert max(differences.values()) <= 1e-5, differences

# %%
fig, axes = plt.subplots(2, 5, figsize=(12, 4.4), height_ratios=(1, 1.1))
shown = [*pixels, crop]
served = [np.array(p["expression"]) for p in response["predictions"]] + [crop_expression]
titles = [
    f"{file.name}: {truth}" for file, truth in zip(photo_files, picked["label_native"], strict=True)
]
titles.append(f"aligned crop, 112 px: {names[video.expression[0]]}")
for column, (image, probabilities, title) in enumerate(zip(shown, served, titles, strict=True)):
    axes[0, column].imshow(image)
    axes[0, column].set_title(title, fontsize=8)
    axes[0, column].set_axis_off()
    axes[1, column].barh(names, probabilities, color="tab:blue", label="served")
    if column < len(pixels):
        keras_p = keras_outputs["expression"][column]
        axes[1, column].plot(keras_p, names, "|", color="tab:red", markersize=9, label="Keras")
    axes[1, column].set_xlim(0, 1)
    axes[1, column].invert_yaxis()
    axes[1, column].tick_params(labelsize=7, labelleft=column == 0)
axes[1, 0].legend(fontsize=7, loc="lower right")
fig.suptitle("expression probabilities answered by serve_rest (bars) and Keras (ticks)")
plt.show()

# %% [markdown]
# ## 5. With a real TF-Serving
#
# The TF-Serving binary is not part of affectkeras; with Docker, serve the export folder's
# parent (`.../affect`, holding version `1`) and post the same body (not run here):
#
# ```bash
# docker run --rm -p 8501:8501 -v "EXPORT_PARENT:/models/affect" -e MODEL_NAME=affect \
#     tensorflow/serving
# curl -s -X POST http://localhost:8501/v1/models/affect:predict -d @request.json
# curl -s http://localhost:8501/v1/models/affect/metadata   # the signature, as served
# ```
#
# The cell below writes `request.json` and prints the commands with this notebook's paths.

# %%
request_file = work / "request.json"
request_file.write_text(text)
print(
    f'docker run --rm -p 8501:8501 -v "{export_dir.parent}:/models/affect" '
    "-e MODEL_NAME=affect tensorflow/serving"
)
print(f"curl -s -X POST http://localhost:8501/v1/models/affect:predict -d @{request_file}")

# %% [markdown]
# ## Next
#
# - `export_model(model_dir, out, format="onnx")` writes `model.onnx` (onnxruntime),
#   `format="litert"` a `model.tflite`; both are checked against Keras within 1e-4 and need
#   `pip install "affectkeras[export]"`.
# - A temporal recipe's window model exports with `pixels` + `mask` inputs instead of `image`;
#   docs/serving.md shows its request layout.
