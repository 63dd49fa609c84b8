"""Researchers' benchmark: instance families, every solver in the same run, and the README table."""
