"""ppml-lab: the reference library behind the privacy-preserving ML lessons.

Organised by engine: ``datasets`` (seeded scenario data), ``dp``, ``he``, ``smpc``,
``secagg``, ``fl``, ``attacks`` and ``anonymity``. Import the engine you need, e.g.
``from ppml_lab import datasets``.
"""

from ppml_lab.config import fast_mode, pick

__version__ = "0.1.0"

__all__ = ["__version__", "fast_mode", "pick"]
