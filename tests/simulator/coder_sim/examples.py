"""Reading the data shipped with the simulator (data/): the option catalog and
the recorded example answers its defaults reproduce."""

import json
import os

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def load_data(name):
    """A JSON file under data/, parsed."""
    with open(os.path.join(DATA_DIR, name), encoding="utf-8") as handle:
        return json.load(handle)


def example(name):
    """A recorded example answer (data/examples/<name>), parsed."""
    return load_data(os.path.join("examples", name))
