"""One worker of a local multi-worker test cluster: runs `ganzoo train ARGS...` (the command line, with
TF_CONFIG from the environment) and saves the trained model's weights to the file named by
GANZOO_TEST_WEIGHTS, so that a test can compare the workers' final weights with each other and with a
single-process run. Started by `tests/test_multi_worker.py`, never imported by the library."""

import os
import sys

import numpy as np


def main(argv):
    from ganzoo import cli
    from ganzoo.zoo import registry

    built = []
    build = registry.build_from_config

    def recording_build(*args, **kwargs):
        built.append(build(*args, **kwargs))
        return built[-1]

    registry.build_from_config = recording_build
    status = cli.main(["train", *argv])
    if status == 0 and built:
        np.savez(os.environ["GANZOO_TEST_WEIGHTS"], *[np.asarray(weight) for weight in built[-1].weights])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
