"""Exit codes of the ``rcc`` command, for schedulers: one module that every command imports.

- 0: done (a plan, checked, written; or a command's outputs).
- 1: internal error, a bug: the log says where to report it.
- 2: invalid input: every problem is listed on stderr, nothing is written.
- 3: no plan: the hard limits (guards, pinned matches) cannot all hold, or no plan keeping them was
  found in the time; ``summary.json`` says which limit binds and by how much.
"""

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID, EXIT_NO_PLAN = 0, 1, 2, 3
