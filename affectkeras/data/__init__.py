"""Data: dataset readers producing the sample table, and the input pipeline's table-level parts.

Importing this package needs neither Keras, TensorFlow nor OpenCV. The pipelines are
submodules to import explicitly: ``affectkeras.data.pipeline`` (tf.data; imports TensorFlow
when called), ``affectkeras.data.arrays`` and ``affectkeras.data.pydataset`` (no TensorFlow;
OpenCV decoding, a ``keras.utils.PyDataset``). See docs/pipeline.md.

Example:
    >>> from affectkeras import data
    >>> "affwild2" in data.list_readers()
    True
"""

from affectkeras.data.feed import Feed, make_feed
from affectkeras.data.readers import get_reader, list_readers
from affectkeras.data.reading.read import read, read_one
from affectkeras.data.reading.spec import DataSpec, parse_spec
from affectkeras.data.sampling import Sampler
from affectkeras.data.subsets import infer_dataset_spaces, task_subsets
from affectkeras.data.table import COLUMNS, expression_classes, make_table, summarize
from affectkeras.data.targets import task_targets
from affectkeras.data.windows import Windows, frame_windows, sequences

__all__ = [
    "COLUMNS",
    "DataSpec",
    "Feed",
    "Sampler",
    "Windows",
    "expression_classes",
    "frame_windows",
    "get_reader",
    "infer_dataset_spaces",
    "list_readers",
    "make_feed",
    "make_table",
    "parse_spec",
    "read",
    "read_one",
    "sequences",
    "summarize",
    "task_subsets",
    "task_targets",
]
