"""The module paths the docs named before the data/ split still import the moved code."""

from __future__ import annotations


def test_old_pipeline_paths_are_the_moved_objects():
    from affectkeras.data import arrays, pipeline, pydataset
    from affectkeras.data.feeding import in_memory, keras_dataset, tf_data

    assert pipeline.make_dataset is tf_data.make_dataset
    assert pydataset.FeedDataset is keras_dataset.FeedDataset
    assert all(getattr(arrays, name) is getattr(in_memory, name) for name in arrays.__all__)
