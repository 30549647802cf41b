"""Data: dataset readers producing the sample table (no Keras, no TensorFlow here).

Example:
    >>> from affectkeras import data
    >>> "affwild2" in data.list_readers()
    True
"""

from affectkeras.data.read import read, read_one
from affectkeras.data.readers import get_reader, list_readers
from affectkeras.data.spec import DataSpec, parse_spec
from affectkeras.data.table import COLUMNS, expression_classes, make_table, summarize

__all__ = [
    "COLUMNS",
    "DataSpec",
    "expression_classes",
    "get_reader",
    "list_readers",
    "make_table",
    "parse_spec",
    "read",
    "read_one",
    "summarize",
]
