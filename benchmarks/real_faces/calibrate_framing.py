"""Measures how a dataset's crops frame a face, in YuNet's terms: a ``FaceFraming``'s numbers.

A model sees faces framed like its training crops; ``predict`` finds faces with YuNet. This
script pastes ``--n`` crops of a data spec, enlarged 2-3.5x, into 320 px frames on a smooth
background, runs YuNet, and prints the quartiles of the framing that cuts a found face as the
crops were (``affectkeras.inference.framing_check.measure_framing``), as JSON:

- ``--crop box`` (FER2013-style detector crops): the crop's side / YuNet's box side
  (``scale``) and the crop centre's offset below the box centre / box height (``shift``);
- ``--crop aligned`` (template-aligned crops: Aff-Wild2, our synthetic faces): the crop's side
  relative to the five-point template's (``scale``) and its centre's offset (``shift``).

``affectkeras.framing.FRAMINGS`` holds the medians this printed (see its comments).

Usage:
    python benchmarks/real_faces/calibrate_framing.py --data fer2013:/data/fer2013 \
        --split public_test --crop box --n 800
    affectkeras synth --out /tmp/stills --stills expression --images 800 --size 112 --layout csv
    python benchmarks/real_faces/calibrate_framing.py --data csv:/tmp/stills/labels.csv \
        --crop aligned --n 800
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from affectkeras import data
from affectkeras.data.feeding.decode import read_image
from affectkeras.inference.framing_check import measure_framing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a data spec of face crops")
    parser.add_argument("--split", help="only this split (e.g. public_test)")
    parser.add_argument("--crop", choices=("box", "aligned"), default="box")
    parser.add_argument("--n", type=int, default=800, help="crops to use")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    table = data.read(args.data)
    if args.split:
        table = table[table["split"] == args.split]
    table = table.sample(min(args.n, len(table)), random_state=args.seed)
    crops = np.stack([read_image(path) for path in table["path"]])
    print(
        json.dumps(
            {"data": args.data, "crop": args.crop, **measure_framing(crops, args.crop, args.seed)}
        )
    )


if __name__ == "__main__":
    main()
