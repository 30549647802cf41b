"""``affectkeras demo`` end to end through the CLI, on small settings (the hidden ``--set``)."""

from __future__ import annotations

import csv
import json

import pytest

from affectkeras.cli.main import main
from affectkeras.demo import run as demo_run

SMALL = ["videos=6", "frames=8", "epochs=1", "clip_frames=6", "clip_fps=5"]

METRICS_KEYS = {
    "expr_f1",
    "expr_acc",
    "expr_score_abaw2",
    "au_f1",
    "au_acc",
    "au_score_abaw2",
    "va_ccc_valence",
    "va_ccc_arousal",
    "va_ccc",
    "mtl_p",
    "n_expr",
    "n_au",
    "n_va",
    "n_rows_scored",
    "n_rows_skipped",
}
"""SPEC.md's metrics.json keys for data labelled for all three tasks, with the counts of rows
scored and skipped (typed out)."""

HEADER = (
    "image,frame,face,box_x,box_y,box_w,box_h,valence,arousal,expression,expression_name,"
    "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26,"
    "p_neutral,p_anger,p_disgust,p_fear,p_happiness,p_sadness,p_surprise,p_other,"
    "p_AU1,p_AU2,p_AU4,p_AU6,p_AU7,p_AU10,p_AU12,p_AU15,p_AU23,p_AU24,p_AU25,p_AU26"
)
"""SPEC.md's predict header, typed out."""

FILES = [
    "demo.json",
    "synth/synth.json",
    "run/mtl/model.keras",
    "run/mtl/config.yaml",
    "run/mtl/history.csv",
    "run/mtl/metrics.json",
    "metrics.json",
    "export/saved_model.pb",
    "export/affectkeras.json",
    "clip.avi",
    "predictions.csv",
    "plots/confusion_matrix.png",
    "plots/au_f1.png",
    "plots/va_density.png",
    "plots/clip_face0_timeline.png",
    "plots/clip_face0_circumplex.png",
]


def demo(out, *settings: str) -> list[str]:
    argv = ["demo", "--out", str(out)]
    for item in [*SMALL, *settings]:
        argv += ["--set", item]
    return argv


def history_rows(out) -> list[dict]:
    with (out / "run" / "mtl" / "history.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_demo_writes_every_file_prints_every_path_and_reruns(tmp_path, capsys, monkeypatch):
    out = tmp_path / "demo"

    # Ctrl-C after training: one line, and the same command goes on from there
    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo_run, "export_step", interrupt)
    assert main(demo(out)) == 130
    assert "interrupted; rerun the same command" in capsys.readouterr().err
    model_time = (out / "run" / "mtl" / "model.keras").stat().st_mtime_ns
    synth_time = (out / "synth" / "synth.json").stat().st_mtime_ns
    monkeypatch.undo()

    assert main(demo(out)) == 0
    printed = capsys.readouterr().out
    assert "(same settings: keeping the synthetic data and the trained model)" in printed
    assert "kept the finished run" in printed and f"kept {out / 'synth'}" in printed
    assert (out / "run" / "mtl" / "model.keras").stat().st_mtime_ns == model_time
    assert (out / "synth" / "synth.json").stat().st_mtime_ns == synth_time
    assert len(history_rows(out)) == 1

    for name in FILES:
        assert (out / name).is_file(), name
    for step in range(1, 6):
        assert f"[{step}/5] " in printed
    assert printed.count("      done in ") == 5

    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == METRICS_KEYS | {"per_dataset"}
    assert set(metrics["per_dataset"]) == {"affwild2"}
    assert metrics["n_expr"] > 0 and metrics["n_au"] > 0 and metrics["n_va"] > 0
    record = json.loads((out / "demo.json").read_text())
    assert record["scores"] == metrics
    assert record["settings"]["videos"] == 6 and record["settings"]["epochs"] == 1
    assert set(record["trivial"]) == METRICS_KEYS - {"n_rows_scored", "n_rows_skipped"}
    assert record["serving"]["max_abs_diff"] <= 1e-5
    assert set(record["seconds"]) == {"synth", "train", "evaluate", "export", "predict", "total"}

    # one row per frame of the clip (its one face, or a face-less row), SPEC's header
    lines = (out / "predictions.csv").read_text().splitlines()
    assert lines[0] == HEADER
    rows = list(csv.DictReader(lines))
    assert sorted({int(row["frame"]) for row in rows}) == list(range(1, 7))
    assert {row["image"] for row in rows} == {"clip"}
    assert record["clip"]["frames"] == 6 and record["clip"]["rows"] == len(rows)

    # the summary: scores with their trivial baseline, and every path written
    summary = printed[printed.index("\nsummary\n") :]
    for name in ("expression F1", "AU F1", "VA CCC", "mtl_p", "trivial", "clip:", "serving:"):
        assert name in summary, name
    for key, value in record["paths"].items():
        for path in value if isinstance(value, list) else [value]:
            shown = path if not key.endswith("_plots") else path.rsplit("/", 1)[-1]
            assert shown in summary, path
    assert f"{out}/plots/" in summary

    # other settings: the demo's files are replaced, not mixed
    assert main(demo(out, "epochs=2")) == 0
    changed = capsys.readouterr().out
    assert "settings changed (epochs: 1 -> 2): starting over" in changed
    assert len(history_rows(out)) == 2
    assert json.loads((out / "demo.json").read_text())["settings"]["epochs"] == 2


def test_demo_refuses_a_folder_it_did_not_write(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    assert main(demo(tmp_path)) == 2
    error = capsys.readouterr().err.strip()
    assert (
        error.startswith("affectkeras demo: error: ") and "not written by affectkeras demo" in error
    )
    assert len(error.splitlines()) == 1
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_demo_names_a_bad_setting(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "d"), "--set", "epoch=3"]) == 2
    assert "demo setting 'epoch': unknown" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_demo_help_shows_out_and_hides_the_test_settings(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = capsys.readouterr().out
    assert "--out DIR" in text and "runs/demo" in text and "--set" not in text
