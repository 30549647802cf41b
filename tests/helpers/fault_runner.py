"""Runs ``affectkeras train`` again and again in forked children, killing them at chosen points.

The fault-injection tests (tests/recipes/test_faults.py) start this once as a subprocess::

    python -m tests.helpers.fault_runner PLAN.json

It imports affectkeras, Keras and the backend once (the slow part of every CLI start), then
forks one child per step of the plan; a child sets ``$AFFECTKERAS_KILL_AT`` (see
``affectkeras.safe_files.kill_point``) and runs the CLI's ``main`` with the plan's arguments, so
a SIGKILL hits a real ``train`` at a known point. It prints one JSON report: per step, how the
child ended (``exit`` code or ``signal``), its stderr's last lines, and the run directory's
epochs in history.csv and in the training state afterwards.

PLAN: ``{"argv": [...], "out": RUN_DIR, "logs": DIR, "steps": [STEP, ...]}`` (``{out}`` in argv
is replaced by the step's run directory); a STEP is ``{"kill_at": "backup:2"}`` (``null``: run
to the end) or ``{"concurrent": true}`` (two children; the second starts once the first holds
the lock), with an optional ``"out"`` of its own; ``{"remount": "size=4m"}`` remounts RUN_DIR's
parent (a tmpfs: the disk-full test frees space) and runs nothing.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path


def _child(argv: list[str], kill_at: str | None, log: Path) -> None:
    if kill_at:
        os.environ["AFFECTKERAS_KILL_AT"] = kill_at
    else:
        os.environ.pop("AFFECTKERAS_KILL_AT", None)
    handle = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(handle, 1)
    os.dup2(handle, 2)
    from affectkeras.cli.main import main

    code = 1
    try:
        code = main(argv)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _start(argv: list[str], kill_at: str | None, log: Path) -> int:
    pid = os.fork()
    if pid == 0:
        _child(argv, kill_at, log)
    return pid


def _ended(pid: int) -> dict:
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"exit": os.WEXITSTATUS(status)}


def _epochs(out: Path) -> dict:
    history = out / "history.csv"
    rows = []
    if history.is_file():
        with history.open(newline="") as handle:
            rows = [int(float(row["epoch"])) for row in csv.DictReader(handle)]
    from affectkeras.recipes.engine.run_dir import RunDir

    run = RunDir(out)
    return {"history": rows, "state_epoch": run.initial_epoch(), "metrics": run.metrics.is_file()}


def _tail(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
    return [line for line in lines if "affectkeras" in line or "rror" in line][-12:]


def main(plan_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text())
    out = Path(plan["out"])
    logs = Path(plan.get("logs", out.parent / f"{out.name}-logs"))
    logs.mkdir(parents=True, exist_ok=True)
    import keras  # noqa: F401  (the backend's import, paid once)

    import affectkeras.recipes  # noqa: F401

    report = []
    for number, step in enumerate(plan["steps"]):
        started = time.time()
        log = logs / f"step{number}.log"
        if "remount" in step:
            import subprocess

            options = f"remount,{step['remount']}"
            subprocess.run(["mount", "-o", options, str(out.parent)], check=True)
            report.append({"step": step})
            continue
        out = Path(step.get("out", plan["out"]))
        argv = [item.replace("{out}", str(out)) for item in plan["argv"]]
        if step.get("concurrent"):
            first = _start(argv, None, log)
            lock = out / ".lock"
            while str(first) not in (lock.read_text() if lock.is_file() else ""):
                time.sleep(0.02)
            second_log = logs / f"step{number}b.log"
            second = _start(argv, None, second_log)
            refused = _ended(second)
            refused["seconds"] = round(time.time() - started, 2)
            entry = {"step": step, "first": _ended(first), "second": refused}
            entry["second_stderr"] = _tail(second_log)
        else:
            entry = {"step": step, **_ended(_start(argv, step.get("kill_at"), log))}
        entry.update(_epochs(out))
        entry["leftovers"] = sorted(p.name for p in out.glob(".*.tmp*")) if out.is_dir() else []
        entry["stderr"] = _tail(log)
        entry["seconds"] = round(time.time() - started, 2)
        report.append(entry)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
