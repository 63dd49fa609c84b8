"""rcc: placement matching for Regional Care Cooperatives.

The public surface is deliberately small: read an instance, solve it, check the result.
"""

from rcc.model import Child, Home, Instance, Weights

__all__ = ["Child", "Home", "Instance", "Weights"]
__version__ = "0.1.0"
