"""Every method's record, and the one function that picks a spec's record.

Adding a method: a folder ``symc/methods/<name>/`` whose ``__init__.py`` defines ``RECORD`` (see
``docs/ARCHITECTURE.md``), and one entry in ``BUILT_IN`` below; code outside symc calls ``register``.
Torch-free: the frontend reads it.
"""

from __future__ import annotations

from dataclasses import fields

from symc.errors import SymcError
from symc.ir import ModelSpec
from symc.methods import attributes, basis, ego, frames, soft, tensor_product
from symc.methods.record import Accepts, MethodRecord, Signature


class RegistryError(TypeError):
    """A method record that cannot be used: raised when the registry loads, naming the record."""


def check_record(record: object) -> MethodRecord:
    """``record`` itself, once it is a complete ``MethodRecord``; otherwise a ``RegistryError`` naming it."""
    name = getattr(record, "name", None) or repr(record)
    if not isinstance(record, MethodRecord):
        raise RegistryError(f"method record {name}: not a MethodRecord but a {type(record).__name__}")
    if not (isinstance(record.name, str) and record.name.isidentifier()):
        raise RegistryError(f"method record {name!r}: its name must be an identifier")
    if not (isinstance(record.method, str) and record.method.isidentifier()):
        raise RegistryError(f"method record {name}: 'method' must be the spec's method word, got {record.method!r}")
    if not isinstance(record.keywords, Signature):
        raise RegistryError(f"method record {name}: 'keywords' must be a Signature")
    if not isinstance(record.accepts, Accepts):
        raise RegistryError(f"method record {name}: 'accepts' must be an Accepts")
    if not record.accepts.localities:
        raise RegistryError(f"method record {name}: it accepts no locality")
    for hook in fields(MethodRecord):
        value = getattr(record, hook.name)
        hooks = ("build", "solve", "judge", "summarise", "describe", "measure", "exact", "lint")
        if hook.name in hooks and not callable(value):
            raise RegistryError(f"method record {name}: '{hook.name}' must be callable, got {value!r}")
    if record.write_module is not None and not callable(record.write_module):
        raise RegistryError(f"method record {name}: 'write_module' must be callable or None")
    return record


def check_records(records: tuple[object, ...]) -> tuple[MethodRecord, ...]:
    """Every record checked; two records of one method word must not claim the same locality."""
    checked = tuple(check_record(r) for r in records)
    claimed: dict[tuple[str, str], str] = {}
    for record in checked:
        for kind in record.accepts.localities:
            key = (record.method, kind)
            if key in claimed:
                raise RegistryError(
                    f"method records {claimed[key]} and {record.name} both claim method {record.method} "
                    f"with locality {kind}"
                )
            claimed[key] = record.name
    for record in checked:
        first = next(r for r in checked if r.method == record.method)
        if record.keywords != first.keywords:
            raise RegistryError(
                f"method records {first.name} and {record.name} give method {record.method} different keywords"
            )
    return checked


BUILT_IN: tuple[MethodRecord, ...] = check_records(
    (basis.RECORD, ego.RECORD, frames.RECORD, attributes.RECORD, tensor_product.RECORD, soft.RECORD)
)
_records: list[MethodRecord] = list(BUILT_IN)


def records() -> tuple[MethodRecord, ...]:
    """Every registered record: the built-in ones, then those added with ``register``."""
    return tuple(_records)


def register(record: MethodRecord) -> None:
    """Add a method from Python code (a spec can only name methods registered here); checked like the
    built-in ones, so an incomplete record is refused with its name."""
    check_records((*_records, record))
    _records.append(record)


def unregister(name: str) -> None:
    """Remove a record added with ``register``; built-in records stay."""
    if any(r.name == name for r in BUILT_IN):
        raise RegistryError(f"method record {name} is built in")
    _records[:] = [r for r in _records if r.name != name]


def method_keywords(pool: tuple[MethodRecord, ...] | None = None) -> dict[str, Signature]:
    """Method word -> its keyword signature, in registry order (what the frontend binds arguments against)."""
    table: dict[str, Signature] = {}
    for record in records() if pool is None else pool:
        table.setdefault(record.method, record.keywords)
    return table


def record_for(spec: ModelSpec, pool: tuple[MethodRecord, ...] | None = None) -> MethodRecord:
    """The record that builds ``spec``: its method word and its locality pick it.

    A locality no record of the method takes is one located ``SymcError`` listing the ones it takes.
    """
    pool = records() if pool is None else pool
    candidates = tuple(r for r in pool if r.method == spec.method.name)
    if not candidates:
        raise SymcError(
            f"unknown method '{spec.method.name}'",
            spec.method.loc,
            f"methods: {', '.join(method_keywords(pool))}",
        )
    for record in candidates:
        if spec.locality.kind in record.accepts.localities:
            return record
    taken = sorted({kind for r in candidates for kind in r.accepts.localities})
    raise SymcError(
        f"method {spec.method.name} does not take locality {spec.locality.kind}",
        spec.locality.loc or spec.method.loc,
        f"method {spec.method.name} takes: {', '.join(taken)}",
    )
