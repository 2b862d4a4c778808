"""Reliability and security suite: every plugin type under every fault, with a canary token.

``conftest.py`` holds the tally behind the summary line the suite prints at the end;
``support.py`` the canary secrets, the fault catalog, the plugin table and the checks.
"""
