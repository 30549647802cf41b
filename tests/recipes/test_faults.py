"""Fault injection: ``affectkeras train`` SIGKILLed at chosen points, crowded, and on a full disk.

``tests/helpers/fault_runner.py`` pays the CLI's import once and forks one real ``train`` per
step; ``$AFFECTKERAS_KILL_AT`` (``affectkeras.safe_files.kill_point``) kills it at a known
point: the first checkpoint save (``model.keras`` half written), mid-epoch (after batch 2),
half-way through the training-state write, and after the last epoch before ``metrics.json``.
The epochs of the mid-epoch and mid-write kills are drawn with a fixed seed. Each rerun must
leave every epoch once in ``history.csv``, and the last one a loadable ``model.keras``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from affectkeras.predictor import load_predictor

from .conftest import TINY

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EPOCHS = 2
SEED = 24


def plan_argv(data: str) -> list[str]:
    argv = ["train", "--recipe", "single_task", "--data", data, "--out", "{out}"]
    for item in [*TINY, "tasks=expr", f"epochs={EPOCHS}"]:
        argv += ["--set", item]
    return argv


def run_plan(plan: dict, tmp_path: Path, prefix: tuple[str, ...] = ()) -> list[dict]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [*prefix, sys.executable, "-m", "tests.helpers.fault_runner", str(path)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def kill_points() -> list[str]:
    rng = random.Random(SEED)
    mid_epoch = rng.randint(1, EPOCHS)
    mid_write = rng.randint(mid_epoch, EPOCHS)  # reachable: the run resumes at mid_epoch
    return ["checkpoint", f"batch:{mid_epoch}", f"backup:{mid_write}", "final"]


def test_kills_at_every_point_lose_at_most_the_epoch_in_progress(affwild2_tree, tmp_path):
    run, crowded = tmp_path / "run", tmp_path / "crowded"
    points = kill_points()
    steps = [{"kill_at": point} for point in points] + [{"kill_at": None}]
    steps.append({"concurrent": True, "out": str(crowded)})
    report = run_plan(
        {"argv": plan_argv(f"affwild2:{affwild2_tree}"), "out": str(run), "steps": steps},
        tmp_path,
    )
    kills, final, concurrent = report[: len(points)], report[len(points)], report[-1]
    for point, step in zip(points, kills, strict=True):
        assert step.get("signal") == 9, (point, step)  # the kill point was reached
        history, state = step["history"], step["state_epoch"]
        assert history == list(range(len(history))), (point, step)  # each epoch once
        assert state <= len(history) <= state + 1, (point, step)  # at most one row to redo
    lock = [line for line in kills[1]["stderr"] if "taking over the lock" in line]
    assert len(lock) == 1 and lock[0].endswith(")"), kills[1]["stderr"]
    assert kills[-1]["state_epoch"] == EPOCHS and not kills[-1]["metrics"]  # all trained, no file
    # the rerun after the kill between the last epoch and metrics.json trains nothing
    assert final.get("exit") == 0, final
    assert any("writing the final files" in line for line in final["stderr"]), final
    assert final["history"] == list(range(EPOCHS)) and final["leftovers"] == []
    assert (run / "metrics.json").is_file() and not (run / "backup").exists()
    assert set(load_predictor(run).output_names) == {"expression"}
    # two runs into one folder: the second is refused at once, the first is not disturbed
    assert concurrent["first"] == {"exit": 0} and concurrent["second"]["exit"] == 2, concurrent
    refusal = concurrent["second_stderr"][-1]
    assert "another run is writing here (pid" in refusal and str(crowded) in refusal
    assert concurrent["history"] == list(range(EPOCHS))


def _can_mount_tmpfs(folder: Path) -> str:
    if shutil.which("unshare") is None:
        return "no unshare command"
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k none {folder}"],
        capture_output=True,
        text=True,
    )
    return "" if probe.returncode == 0 else f"cannot mount a tmpfs: {probe.stderr.strip()}"


def test_a_full_disk_is_one_line_naming_the_file_and_the_rerun_works_once_space_is_freed(
    affwild2_tree, tmp_path
):
    disk = tmp_path / "disk"
    disk.mkdir()
    reason = _can_mount_tmpfs(disk)
    if reason:
        pytest.skip(reason)  # test_run_safety.py pins the same with an injected ENOSPC
    run = disk / "run"
    steps = [{"kill_at": None}, {"remount": "size=8m"}, {"kill_at": None}]
    # 400 KiB: model.keras (~150 KB) fits, the training state (~270 KB) beside it does not
    prefix = ("unshare", "-rm", "sh", "-c", f'mount -t tmpfs -o size=400k none {disk} && "$@"', "-")
    report = run_plan(
        {
            "argv": plan_argv(f"affwild2:{affwild2_tree}"),
            "out": str(run),
            "logs": str(tmp_path / "logs"),
            "steps": steps,
        },
        tmp_path,
        prefix,
    )
    full, _, rerun = report
    assert full.get("exit") == 2, full
    error = full["stderr"][-1]
    assert error.startswith(f"affectkeras train: error: {run / 'backup' / 'state.npz'}: "), error
    assert "cannot write it (no space left on device)" in error and full["leftovers"] == []
    assert rerun.get("exit") == 0, rerun
    assert rerun["history"] == list(range(EPOCHS))
