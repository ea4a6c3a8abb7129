"""The compteur dashboard: collect the pushes of a smart meter, store them, show them."""

__version__ = "0.1.0"
__all__ = ["__version__"]
