"""Registers the subcommands that live outside cli.py (filled in as features land)."""
