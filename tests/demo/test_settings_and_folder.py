"""The demo's settings (hidden ``--set`` parsing) and its output folder's rerun rules."""

from __future__ import annotations

import json

import pytest

from affectkeras.demo.folder import DEMO_FILE, OWNED, prepare_out
from affectkeras.demo.settings import DemoSettings, train_command, train_overrides


@pytest.mark.jax
def test_overrides_convert_to_the_field_types():
    settings = DemoSettings.from_overrides(["videos=12", "learning_rate=1e-2", "clip_fps=25"])
    assert settings.videos == 12 and isinstance(settings.videos, int)
    assert settings.learning_rate == 0.01 and settings.clip_fps == 25.0
    assert settings.epochs == DemoSettings().epochs


@pytest.mark.jax
@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["video=8"], "demo setting 'video': unknown"),
        (["videos"], "expected key=value"),
        (["videos=many"], "expected a int"),
        (["videos=5"], "videos must be >= 6"),
        (["size=16"], "size must be >= 32"),
        (["learning_rate=0"], "learning_rate must be > 0"),
    ],
)
def test_bad_overrides_name_the_setting(items, message):
    with pytest.raises(ValueError, match=message):
        DemoSettings.from_overrides(items)


@pytest.mark.jax
def test_the_training_command_carries_every_override():
    settings = DemoSettings(epochs=3, size=48, seed=2)
    command = train_command(settings, "affwild2:runs/demo/synth", "runs/demo/run")
    assert command.startswith("affectkeras train --recipe mtl_fusion --data affwild2:runs/demo/")
    for item in ("stage=mtl", "tasks=expr,au,va", "epochs=3", "image_size=48", "seed=2"):
        assert f"--set {item}" in command and item in train_overrides(settings)
    assert command.endswith("--out runs/demo/run")


@pytest.mark.jax
def test_a_new_folder_is_created_with_its_record(tmp_path):
    out = tmp_path / "a" / "demo"
    assert prepare_out(out, DemoSettings(videos=9)) == "new folder"
    record = json.loads((out / DEMO_FILE).read_text())
    assert record["settings"]["videos"] == 9 and record["version"]


@pytest.mark.jax
def test_same_settings_keep_the_work_other_settings_remove_only_the_demos_files(tmp_path):
    out = tmp_path / "demo"
    prepare_out(out, DemoSettings())
    for name in OWNED:
        (out / name).mkdir() if "." not in name else (out / name).write_text("x")
    (out / "notes.txt").write_text("mine")

    assert prepare_out(out, DemoSettings()).startswith("same settings")
    assert all((out / name).exists() for name in OWNED)

    note = prepare_out(out, DemoSettings(epochs=3, frames=10))
    assert note == "settings changed (frames: 24 -> 10; epochs: 16 -> 3): starting over"
    assert not any((out / name).exists() for name in OWNED)
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / DEMO_FILE).read_text())["settings"]["epochs"] == 3


@pytest.mark.jax
def test_a_record_of_another_version_or_an_unreadable_one_starts_over(tmp_path):
    out = tmp_path / "demo"
    prepare_out(out, DemoSettings())
    (out / "synth").mkdir()
    record = json.loads((out / DEMO_FILE).read_text())
    (out / DEMO_FILE).write_text(json.dumps({**record, "version": "0.0.1"}))
    assert prepare_out(out, DemoSettings()).startswith("settings changed (affectkeras 0.0.1 ->")
    assert not (out / "synth").exists()
    (out / DEMO_FILE).write_text("{not json")
    assert "unreadable" in prepare_out(out, DemoSettings())


@pytest.mark.jax
def test_a_foreign_folder_or_a_file_is_refused(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "important.csv").write_text("1,2\n")
    with pytest.raises(ValueError, match="not written by affectkeras demo"):
        prepare_out(tmp_path / "data", DemoSettings())
    assert (tmp_path / "data" / "important.csv").is_file()
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="is not a folder"):
        prepare_out(tmp_path / "file", DemoSettings())
    (tmp_path / "empty").mkdir()
    assert prepare_out(tmp_path / "empty", DemoSettings()) == "new folder"
