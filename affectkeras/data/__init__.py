"""Data: dataset files -> the sample table -> batches, in two stages that meet at the table.

- Reading (``affectkeras.data.reading``): ``read`` / ``read_one`` parse data SPEC strings
  (``reading.spec``), run the dataset readers (``affectkeras.data.readers``, one module per
  dataset family, registered by name) and return one sample table; bad files raise
  ``reading.errors.DataFormatError`` naming the file and line.
- The sample table (``affectkeras.data.table``): one row per image, canonical labels, MISSING
  sentinels; the seam between the stages. ``affectkeras.data.skips.SkipReport`` counts what
  either stage dropped.
- Feeding (``affectkeras.data.feeding``): ``make_feed`` turns a table into a ``Feed`` (targets,
  sample weights, frame windows, the ``Sampler``'s epoch order, task subsets); three paths turn
  a Feed into batches and are submodules to import explicitly:
  ``affectkeras.data.feeding.tf_data`` (tf.data; imports TensorFlow when called),
  ``affectkeras.data.feeding.in_memory`` (OpenCV-decoded uint8 arrays, no TensorFlow) and
  ``affectkeras.data.feeding.keras_dataset`` (``FeedDataset``, a ``keras.utils.PyDataset``).
  Their former paths ``affectkeras.data.pipeline``, ``.arrays`` and ``.pydataset`` re-export
  them. See docs/pipeline.md.

Importing this package needs neither Keras, TensorFlow nor OpenCV. ``affectkeras.data.synthetic``
writes synthetic datasets for tests and demos.

Example:
    >>> from affectkeras import data
    >>> "affwild2" in data.list_readers()
    True
"""

from affectkeras.data.feeding.feed import Feed, make_feed
from affectkeras.data.feeding.sampling import Sampler
from affectkeras.data.feeding.subsets import infer_dataset_spaces, task_subsets
from affectkeras.data.feeding.targets import task_targets
from affectkeras.data.feeding.windows import Windows, frame_windows, sequences
from affectkeras.data.readers import get_reader, list_readers
from affectkeras.data.reading.read import read, read_datasets, read_one
from affectkeras.data.reading.spec import DataSpec, parse_spec
from affectkeras.data.table import COLUMNS, expression_classes, make_table, summarize

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
    "read_datasets",
    "read_one",
    "sequences",
    "summarize",
    "task_subsets",
    "task_targets",
]
