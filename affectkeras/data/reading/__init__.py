"""Reading: dataset files -> the sample table (``affectkeras.data.table``), the first data stage.

``spec`` parses the data SPEC strings (``DATASET:PATH[?key=value&...]``), ``read`` looks up the
reader for each (``affectkeras.data.readers``, one module per dataset family), checks its
options, runs it and joins several datasets into one table, and ``errors`` holds
``DataFormatError``, raised with the file and line when a file breaks its format. Rows dropped
for a reason are counted in a ``SkipReport`` (``affectkeras.data.skips``). Nothing here imports
Keras, TensorFlow or OpenCV; ``affectkeras.data.read`` and ``read_one`` are the public entry
points.
"""
