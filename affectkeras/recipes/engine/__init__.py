"""The training engine every recipe shares (no paper lives here).

- ``config``: ``TrainConfig``, the typed config with YAML / ``--set`` resolution;
- ``base``: ``Recipe``, the hooks and ``train``: tables -> feeds -> model -> ``model.fit`` ->
  RUN_DIR, resumable;
- ``stages``: ``StagedRecipe``, a recipe trained as a sequence of ordinary runs;
- ``run_dir``: the RUN_DIR files; ``callbacks``: validation scores, best checkpoint;
- ``monitor``: the validation score that selects the checkpoint;
- ``inputs``: a run's tables and batches; ``splits`` and ``kfold``: validation rows;
- ``optimizers``: optimiser and learning-rate schedule; ``task_losses``: per-task loss choice.

A recipe (``affectkeras.recipes.<name>``) subclasses ``Recipe`` or ``StagedRecipe`` and is
registered in ``affectkeras.recipes.registry``.
"""
