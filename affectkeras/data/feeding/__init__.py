"""Feeding: the sample table (``affectkeras.data.table``) -> batches for ``model.fit``.

``feed.make_feed`` turns a table into a ``Feed`` (image paths, crop boxes, rows per sample,
targets and per-task sample weights from ``targets``, frame windows from ``windows``, the epoch
order from a ``sampling.Sampler``, multi-dataset task subsets from ``subsets``); one of three
paths then decodes (``decode``) and augments (``augment``) its images into the same batches:
``tf_data.make_dataset`` (tf.data; imports TensorFlow only when called), ``in_memory``
(OpenCV-decoded uint8 arrays, no TensorFlow) and ``keras_dataset.FeedDataset`` (a
``keras.utils.PyDataset`` over those arrays or files, any backend). Import the three paths
explicitly; nothing is imported here, so ``import affectkeras.data`` stays free of Keras,
TensorFlow and OpenCV.
"""
