"""A small CNN on synthetic video frames: scores on held-out identities, per frame and smoothed.

Run from the repository root: ``PYTHONPATH=. python benchmarks/synthetic_learning.py
[--epochs N] [--train-videos N] [--radius R]``; prints JSON (the test
tests/data/synthetic/test_learning.py runs the default, shorter setup).
"""

from __future__ import annotations

import argparse
import json
import os

from tests.helpers.synthetic_learning import Setup, train_and_score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=Setup.seed)
    parser.add_argument("--epochs", type=int, default=Setup.epochs)
    parser.add_argument("--train-videos", type=int, default=Setup.train_videos)
    parser.add_argument("--validation-videos", type=int, default=Setup.validation_videos)
    parser.add_argument("--radius", type=int, default=3)
    args = parser.parse_args()
    setup = Setup(
        seed=args.seed,
        epochs=args.epochs,
        train_videos=args.train_videos,
        validation_videos=args.validation_videos,
    )
    result = train_and_score(setup, radius=args.radius, more_radii=(1, 2, 3))
    result.pop("identities")
    result["load_average"] = os.getloadavg()[0]
    result["setup"] = setup.__dict__
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
