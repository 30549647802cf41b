"""Which table rows a temporal recipe keeps: whole videos, so windows see unlabelled frames too.

A frame-level recipe drops rows labelled for none of its tasks. A temporal one must not: the
frames before F_k (seed 004's window) or around it (seed 002's sequences) are context even when
unannotated. So it keeps every row of a video that has at least one labelled row, and labelled
still images; windows then end (or targets sit) only at labelled rows.

Example:
    >>> import numpy as np
    >>> from affectkeras.data.table import make_table
    >>> t = make_table({"path": list("abcd"), "split": "train", "video": ["v", "v", "w", ""],
    ...                 "frame": [1, 2, 1, -1]}, "affwild2")
    >>> video_rows(t, np.array([False, True, False, False])).tolist()
    [True, True, False, False]
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def video_rows(table: pd.DataFrame, labelled: np.ndarray) -> np.ndarray:
    """bool [N]: the rows of every video with a labelled row, and the labelled stills."""
    labelled = np.asarray(labelled, bool)
    video = table["video"].astype(str).to_numpy()
    keys = table["dataset"].astype(str).to_numpy() + "\x00" + video
    if "face" in table.columns:
        keys = keys + "\x00" + table["face"].astype(str).to_numpy()
    wanted = set(keys[labelled & (video != "")])
    in_video = np.array([key in wanted for key in keys], bool) & (video != "")
    return in_video | labelled
