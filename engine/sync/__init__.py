"""The sync engine: a validated mapping compiled into steps and run against both systems."""
