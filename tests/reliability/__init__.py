"""Reliability and security suite (issue 9): faults, concurrency and hostile input lose nothing
and expose nothing. See conftest.py for how loop lengths scale with ``--full``."""
