"""The simulator's own tests use its pytest fixtures, as its users' tests do."""

pytest_plugins = ["coder_sim.pytest_plugin"]
