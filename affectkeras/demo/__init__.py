"""``affectkeras demo``: the whole package on embedded synthetic data, in about three minutes.

``run_demo(out)`` runs five steps, each through the library function behind its CLI command:

1. ``synth``: a synthetic Aff-Wild2-style tree (``OUT/synth``; one person per video, a third of
   the people kept for validation);
2. ``train``: seed 001's hard-sharing multi-task network (expressions, 12 AUs, valence/arousal
   on one ``tiny`` backbone; recipe ``mtl_fusion``, stage ``mtl``) into ``OUT/run``;
3. ``evaluate``: the validation split -> ``OUT/metrics.json`` and figures in ``OUT/plots``;
4. ``export``: a SavedModel in ``OUT/export``, checked with one TF-Serving REST request;
5. ``predict``: a clip of a new person pasted into larger frames (``OUT/clip.avi``) ->
   ``OUT/predictions.csv`` and timeline/circumplex figures,

then prints the validation scores next to those of a trivial predictor, the clip's scores
against its known labels, and every file written. ``OUT/demo.json`` records the settings, so a
rerun keeps the data and the trained model (or resumes an interrupted training) and redoes the
quick steps.

Example::

    from affectkeras.demo import run_demo

    result = run_demo("runs/demo")
    result["scores"]["mtl_p"], result["paths"]["predictions"]
"""

from affectkeras.demo.run import run_demo
from affectkeras.demo.settings import DemoSettings

__all__ = ["DemoSettings", "run_demo"]
