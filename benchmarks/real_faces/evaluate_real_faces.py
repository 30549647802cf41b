"""Scores a model on real faces (FER2013 PublicTest, CK+48 held-out subjects); makes presets.

Prints one JSON object with:

- ``fer2013_public_test``: expression accuracy and macro-F1 on the 3,589 PublicTest crops, as
  ``evaluate`` scores them (``--flip`` also scores the test-time-flip average);
- ``ckplus_held_out``: expression accuracy/macro-F1 (7 classes; contempt rows have no 7-class
  label) and AU mean F1 (the 12 ABAW AUs) on the CK+48 subjects the training run held out:
  the run's own split, recomputed from its config.yaml (``validation_split``, fraction, seed)
  on the same data specs;
- ``framing_check``: ``affectkeras.inference.framing_check`` on ``--framing-n`` PublicTest faces:
  accuracy on the crops against the same faces pasted into 320 px frames through ``predict``'s
  detection and the model's framing;
- ``fer_package`` (with ``--fer-model``): the ``fer`` package's 58k-parameter Keras model
  (``fer/data/emotion_model.hdf5``, grey 64 px, its own preprocessing) on the same crops, and
  on the same pasted frames cut with our YuNet boxes and the ``fer2013`` framing.

With ``--preset NAME`` the framed model (``affectkeras.framing.with_framing``) is written to
``affectkeras/presets/NAME/model.keras``; its MODEL_CARD.md is written by hand from this output.

Usage (the default preset; see its MODEL_CARD.md):
    python benchmarks/real_faces/evaluate_real_faces.py runs/preset-a/mtl \
        --fer2013 /data/fer2013 --ckplus /data/ckplus48 --framing fer2013 --flip \
        --fer-model /tmp/fer/data/emotion_model.hdf5 --preset mini_xception_fer_ck
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import data, labels
from affectkeras.data.feeding.decode import read_image
from affectkeras.evaluation import evaluate_table
from affectkeras.framing import FRAMINGS, with_framing
from affectkeras.inference.framing_check import framing_check, paste_faces
from affectkeras.predictor import load_predictor
from affectkeras.recipes.engine.callbacks import save_atomically
from affectkeras.recipes.engine.splits import split_train_validation

# fer's class order (fer.FER._get_labels) -> our 7-class indices
FER_PACKAGE_ORDER = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="the training RUN_DIR (or its stage folder) or .keras file")
    parser.add_argument("--fer2013", required=True, help="FER2013 folder (fer2013 reader)")
    parser.add_argument("--ckplus", required=True, help="the ckplus48 folder (CK+48/, labels.csv)")
    parser.add_argument("--framing", default="fer2013", choices=sorted(FRAMINGS))
    parser.add_argument("--flip", action="store_true", help="test-time flip in the saved model")
    parser.add_argument("--framing-n", type=int, default=1000, help="faces for the framing check")
    parser.add_argument("--fer-model", help="the fer package's emotion_model.hdf5 (comparison)")
    parser.add_argument("--preset", help="write the framed model as this preset")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    started = time.perf_counter()
    run = Path(args.run)
    predictor = load_predictor(run)
    framing = FRAMINGS[args.framing]
    plain = with_framing(predictor, framing)
    flipped = with_framing(predictor, dataclasses.replace(framing, flip_average=True))
    model = flipped if args.flip else plain

    fer = data.read(f"fer2013:{args.fer2013}")
    public = fer[fer["split"] == "public_test"].reset_index(drop=True)
    result: dict = {"model": str(run), "framing": args.framing, "flip": args.flip}
    result["fer2013_public_test"] = {
        "no_flip": _expression_scores(evaluate_table(plain, public)),
        "flip": _expression_scores(evaluate_table(flipped, public)),
    }
    held_out = _ckplus_held_out(run, args.fer2013, args.ckplus)
    scores = evaluate_table(model, held_out)
    result["ckplus_held_out"] = {
        "subjects": int(held_out["subject"].nunique()),
        **_expression_scores(scores),
        "au_mean_f1": scores.get("au_f1"),
        "n_au": scores.get("n_au"),
    }
    sample = public.sample(min(args.framing_n, len(public)), random_state=0)
    crops = np.stack([read_image(path) for path in sample["path"]])
    truth = sample["expression"].to_numpy()
    result["framing_check"] = framing_check(model, crops, truth)
    if args.fer_model:
        result["fer_package"] = _fer_package(args.fer_model, public, crops, truth)
    if args.preset:
        target = Path(__file__).resolve().parents[2] / "affectkeras" / "presets" / args.preset
        target.mkdir(parents=True, exist_ok=True)
        save_atomically(model, target / "model.keras")
        result["preset"] = str(target / "model.keras")
    result["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


def _expression_scores(scores: dict) -> dict:
    return {key: scores.get(key) for key in ("expr_acc", "expr_f1", "n_expr")}


def _ckplus_held_out(run: Path, fer2013: str, ckplus: str) -> pd.DataFrame:
    """The CK+ rows the run validated on: its split recomputed from its config.yaml."""
    import yaml

    folder = run if run.is_dir() else run.parent
    config = yaml.safe_load((folder / "config.yaml").read_text())
    specs = config.get("data") or [f"fer2013:{fer2013}", f"ckplus:{ckplus}"]
    table = data.read(specs)
    _, validation = split_train_validation(
        table,
        config.get("validation_split", "auto"),
        config.get("validation_fraction", 0.2),
        config.get("seed", 0),
    )
    return validation[validation["dataset"] == "ckplus"].reset_index(drop=True)


def _fer_package(path: str, public: pd.DataFrame, crops: np.ndarray, truth: np.ndarray) -> dict:
    """The fer package's classifier on the PublicTest crops and on the pasted frames."""
    import cv2
    import keras
    from sklearn.metrics import accuracy_score, f1_score

    from affectkeras.inference.detect import FaceDetector

    classifier = keras.models.load_model(path, compile=False)
    order = [labels.expression_names(7).index(name) for name in FER_PACKAGE_ORDER]

    def classify(faces: list[np.ndarray]) -> np.ndarray:
        grey = np.stack([cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), (64, 64)) for f in faces])
        x = (grey.astype("float32") / 255.0 - 0.5) * 2.0
        probabilities = classifier.predict(x[..., None], batch_size=256, verbose=0)
        return np.asarray(order)[np.argmax(probabilities, axis=-1)]

    all_crops = [read_image(p) for p in public["path"]]
    predicted = classify(all_crops)
    expected = public["expression"].to_numpy()
    crops_result = {
        "expr_acc": float(accuracy_score(expected, predicted)),
        "expr_f1": float(f1_score(expected, predicted, average="macro")),
        "n_expr": len(expected),
    }
    frames, _ = paste_faces(crops, np.random.default_rng(0))  # the framing check's frames
    detector, framing = FaceDetector(), FRAMINGS["fer2013"]
    faces, found = [], []
    for index, frame in enumerate(frames):
        detected = detector.detect(frame)
        if detected:
            face = max(detected, key=lambda f: f.box[2] * f.box[3])
            faces.append(framing.cut(frame, face.box, face.landmarks, 64))
            found.append(index)
    frame_predicted = np.full(len(frames), -1)
    frame_predicted[found] = classify(faces)
    return {
        "public_test_crops": crops_result,
        "framing_frames": {
            "n": len(frames),
            "crop_accuracy": float(np.mean(classify(list(crops)) == truth)),
            "frame_accuracy": float(np.mean(frame_predicted == truth)),
        },
    }


if __name__ == "__main__":
    main()
