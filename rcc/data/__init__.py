"""Files in and out: reading, validating, geography, generating and writing instances.

No solver import lives here, so validating a region's files stays quick.
"""

from rcc.data.problems import InvalidInstance, Problem
from rcc.data.read import read_instance, validate
from rcc.data.write import write_instance

__all__ = ["InvalidInstance", "Problem", "read_instance", "validate", "write_instance"]
