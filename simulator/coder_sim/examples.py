"""The data shipped with the simulator (package data under data/ and schema/): the option
catalog, the recorded example answers its defaults reproduce, and the wire schema.

Read through importlib.resources so they are found wherever the package is installed
(a wheel, a zip, an editable checkout); other tests load the same copies from here.
"""

import json
from importlib import resources


def _resource(*parts):
    resource = resources.files("coder_sim")
    for part in parts:  # one at a time: Python 3.9's Traversable.joinpath takes a single name
        resource = resource.joinpath(part)
    return resource


def _read(*parts):
    return json.loads(_resource(*parts).read_text(encoding="utf-8"))


def load_data(name):
    """A JSON file under data/, parsed."""
    return _read("data", name)


def example(name):
    """A recorded example answer (data/examples/<name>), parsed."""
    return _read("data", "examples", name)


def example_bytes(name):
    """A recorded example exactly as stored, for request bodies sent as they are."""
    return _resource("data", "examples", name).read_bytes()


def wire_schema():
    """The JSON Schema (draft 2020-12) of the answers coderd puts on the wire."""
    return _read("schema", "wire.schema.json")
