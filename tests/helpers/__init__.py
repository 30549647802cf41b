"""Helpers shared by the tests: fixture writers in the exact upstream dataset formats."""
