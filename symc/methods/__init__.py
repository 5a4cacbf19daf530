"""The methods: one folder and one ``MethodRecord`` each (``registry.RECORDS``).

``build_model(spec)`` compiles a judged spec with its record's builder. Importing this package loads the
records only (no torch); each method's layers load when it is first built.
"""

from symc.methods.build import build_model
from symc.methods.record import Accepts, MethodRecord
from symc.methods.registry import RECORDS, record_for

__all__ = ["RECORDS", "Accepts", "MethodRecord", "build_model", "record_for"]
