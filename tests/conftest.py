"""Suite-wide pytest setup: the fixtures of the installed Coder API simulator (coder_sim, coder_sim_factory)."""

pytest_plugins = ["coder_sim.pytest_plugin"]
