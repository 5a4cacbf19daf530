"""The methods: one folder and one ``MethodRecord`` each (``registry.records()``).

``build_model(spec)`` compiles a judged spec with its record's builder. Importing this package loads the
records only (no torch); each method's layers load when it is first built.
"""

from symc.methods.build import build_model
from symc.methods.record import Accepts, MethodRecord
from symc.methods.registry import record_for, records, register, unregister

__all__ = ["Accepts", "MethodRecord", "build_model", "record_for", "records", "register", "unregister"]
