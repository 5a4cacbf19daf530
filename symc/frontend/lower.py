"""Lowering a parsed file to the IR: statements → ``ModelSpec``, with every semantic check.

Order of work inside a model: statements are gathered (duplicates and missing ones refused), the
group is lowered first because every field's representation is checked against it, then fields,
knobs, locality and method, and finally the whole model against its method's record (``symc.frontend.judge``).
"""

from __future__ import annotations

from lark import Token, Tree

from symc.errors import SymcError
from symc.frontend.arguments import ArgumentBinder, written_call
from symc.frontend.groups import lower_group
from symc.frontend.judge import judge_spec
from symc.frontend.numbers import to_int
from symc.frontend.reps import lower_rep
from symc.frontend.source import SourceText
from symc.frontend.tables import INDEXING_ORDERS, KNOB_CHOICES, LOCALITIES, MAX_LAYERS, MAX_REP_DIM, Signature
from symc.ir import ArchitectureSpec, FieldSpec, GroupSpec, LocalitySpec, MethodSpec, ModelSpec, Program, RepExpr
from symc.ir.suggest import did_you_mean
from symc.methods.registry import method_keywords

_SINGLE_STATEMENTS = ("group", "locality", "method", "hidden", "layers", "nonlinearity", "readout", "dtype")
_REQUIRED = {"group": "group SO(3)", "method": "method basis"}
# Localities that measure distances between points, so need per-point inputs.
_METRIC_LOCALITIES = ("knn", "radius")


def lower_program(tree: Tree, source: SourceText) -> Program:
    """The ``start`` tree of a whole file → ``Program``; model names must be unique."""
    models: list[ModelSpec] = []
    for node in tree.children:
        model = lower_model(node, source)
        if any(m.name == model.name for m in models):
            raise SymcError(f"duplicate model name '{model.name}'", model.loc, "give each model in a file its own name")
        models.append(model)
    if not models:
        raise SymcError("no model in the spec", source.at(1, 1), "write `model Name { group ... input ... }`")
    return Program(tuple(models), source=source.filename)


def lower_model(node: Tree, source: SourceText) -> ModelSpec:
    name_token, *statements = node.children
    name = str(name_token)
    model_loc = source.of_token(name_token)
    single: dict[str, Tree] = {}
    fields: dict[str, list[Tree]] = {"input": [], "output": []}
    for statement in statements:
        keyword = statement.data.removesuffix("_stmt")
        if keyword in fields:
            fields[keyword].extend(statement.children)
            continue
        if keyword in single:
            raise SymcError(
                f"duplicate '{keyword}' statement in model '{name}'",
                source.of(statement),
                f"a model has one '{keyword}'; first given on line {single[keyword].meta.line}",
            )
        single[keyword] = statement
    for keyword, example in _REQUIRED.items():
        if keyword not in single:
            raise SymcError(f"model '{name}' has no '{keyword}' statement", model_loc, f"add e.g. `{example}`")
    for keyword, example in (("input", "input x: T(1)"), ("output", "output y: T(0)")):
        if not fields[keyword]:
            raise SymcError(f"model '{name}' declares no {keyword}", model_loc, f"add e.g. `{example}`")

    group_node = single["group"]
    group = lower_group(group_node.children[0], source)
    inputs = _lower_fields(fields["input"], group, source, "input")
    outputs = _lower_fields(fields["output"], group, source, "output")
    binder = ArgumentBinder(source, {f.name: f for f in inputs})
    locality = _lower_locality(single.get("locality"), binder, inputs, source)
    method_call = written_call(single["method"].children[0], source, "a method")
    method_name = str(method_call.name)
    signature = _signature(method_keywords(), method_call.name, source, "method")
    method = MethodSpec(
        method_name, binder.bind(method_call, signature, f"method {method_name}"), loc=source.of(single["method"])
    )
    spec = ModelSpec(
        name=name,
        group=group,
        inputs=inputs,
        outputs=outputs,
        locality=locality,
        method=method,
        architecture=_lower_architecture(single, group, source),
        source=source.filename,
        loc=model_loc,
    )
    judge_spec(spec, source.of(group_node))
    return spec


def _lower_fields(nodes: list[Tree], group: GroupSpec, source: SourceText, kind: str) -> tuple[FieldSpec, ...]:
    default_order = 1 if group.permutation_factor is not None else 0
    lowered: list[FieldSpec] = []
    for node in nodes:
        name_token, rep_node, *indexing = node.children
        order = _lower_indexing(indexing[0], source) if indexing else default_order
        loc = source.of_token(name_token)
        if any(f.name == name_token for f in lowered):
            raise SymcError(f"duplicate {kind} '{name_token}'", loc, f"give each {kind} its own name")
        lowered.append(FieldSpec(str(name_token), lower_rep(rep_node, source, group, order), order, loc=loc))
    return tuple(lowered)


def _lower_indexing(node: Tree, source: SourceText) -> int:
    (word,) = node.children
    if word.type == "GLOBAL":
        return 0
    if word not in INDEXING_ORDERS:
        raise SymcError(
            f"unknown indexing 'per {word}'",
            source.of_token(word),
            did_you_mean(str(word), INDEXING_ORDERS, "indexings"),
        )
    return INDEXING_ORDERS[str(word)]


def _signature(table: dict[str, Signature], name: Token, source: SourceText, what: str) -> Signature:
    if name not in table:
        raise SymcError(f"unknown {what} '{name}'", source.of_token(name), did_you_mean(str(name), table, f"{what}s"))
    return table[str(name)]


def _lower_locality(
    node: Tree | None, binder: ArgumentBinder, inputs: tuple[FieldSpec, ...], source: SourceText
) -> LocalitySpec:
    if node is None:
        return LocalitySpec("complete")
    call = written_call(node.children[0], source, "a locality")
    kind = str(call.name)
    args = binder.bind(call, _signature(LOCALITIES, call.name, source, "locality"), f"locality {kind}")
    loc = source.of(node)
    if kind in _METRIC_LOCALITIES and not any(f.order == 1 for f in inputs):
        raise SymcError(
            f"locality {kind} measures distances between points, but the model has no per-point input",
            loc,
            "declare positions, e.g. `input pos: point per point`, or use `locality complete`",
        )
    return LocalitySpec(kind, args, loc=loc)


def _lower_architecture(single: dict[str, Tree], group: GroupSpec, source: SourceText) -> ArchitectureSpec:
    knobs: dict[str, RepExpr | int | str] = {}
    if "hidden" in single:
        value = single["hidden"].children[0]
        if isinstance(value, Tree) and value.data == "int":
            knobs["hidden"] = _positive_int(value, source, "hidden", MAX_REP_DIM)
        else:
            order = 1 if group.permutation_factor is not None else 0
            knobs["hidden"] = lower_rep(value, source, group, order)
    if "layers" in single:
        knobs["layers"] = _positive_int(single["layers"].children[0], source, "layers", MAX_LAYERS)
    for knob, choices in KNOB_CHOICES.items():
        if knob in single:
            value = single[knob].children[0]
            word = str(value.children[0]) if isinstance(value, Tree) and value.data == "name" else None
            if word not in choices:
                shown = word or source.snippet(value)
                hint = did_you_mean(shown, choices, "choices") if word else f"choices: {', '.join(choices)}"
                raise SymcError(f"'{knob}' must be one of {', '.join(choices)}; got '{shown}'", source.of(value), hint)
            knobs[knob] = word
    locs = tuple((knob, source.of(single[knob])) for knob in ("hidden", "layers", *KNOB_CHOICES) if knob in single)
    return ArchitectureSpec(**knobs, locs=locs)


def _positive_int(node: Tree | Token, source: SourceText, knob: str, limit: int) -> int:
    if not (isinstance(node, Tree) and node.data == "int"):
        raise SymcError(f"'{knob}' expects a positive integer, got '{source.snippet(node)}'", source.of(node))
    value = to_int(node.children[0], source)
    if not 1 <= value <= limit:
        raise SymcError(f"'{knob}' must be between 1 and {limit:,}, got {value}", source.of(node))
    return value
