"""The field contract of every built model: one reader from the user's dict of tensors to checked tensors.

Every method's model reads its inputs through ``FieldContract.read`` and gives its outputs back through
``FieldValues.restore``, so the same mistake gets the same message whatever the method.

Shapes (the symbolic shapes of ``symc info --json``, from ``symc.groups.field_shape``): global ``(batch, dim)``,
per point ``(batch, n, dim)``, per pair ``(batch, n, n, dim)``; a single sample may drop the batch axis (then
every field does, and the outputs come back without it). Graph models also take torch_geometric's flat form:
``"edge_index" (2, E)``, optional ``"batch" (N,)``, per node ``(N, dim)``, per pair ``(E, dim)``, global
``(num_graphs, dim)``; and a ``"mask" (batch, n)`` bool of real nodes in the dense form.

Checked, in this order, each failure one ``SymcError`` naming the field and the line that declares it:

1. a mapping of names to tensors; missing and unexpected keys named together (with a did-you-mean);
2. each value a ``torch.Tensor`` on the model's device;
3. dtype: floating point. A float input narrower than the model's dtype (float16/bfloat16 → float32/float64,
   float32 → float64) is cast, which is lossless; a wider one (float64 into a float32 model) is an error naming
   both dtypes, never a silent rounding. Integers, bools (except a dense ``edges`` adjacency, cast to 0/1) and
   complex values are errors. An integer ``edges`` field of a ``graph(edges = F)`` locality is an edge list
   ``(2, E)``, checked by ``symc.locality``;
4. shapes, axis by axis: rank, channels, the number of points (all fields agree, and agree with ``S(k)``),
   pairs square, one batch size; a batch of 0 samples is refused;
5. finite values: NaN/Inf are an error naming the field and the first bad index, unless the model's
   ``allow_nonfinite`` is set (``symc.build(spec, allow_nonfinite=True)``). This check costs one host
   synchronisation per forward (one reduction over all fields); ``allow_nonfinite`` removes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor

from symc.errors import EdgeListError, SymcError
from symc.groups import field_shape
from symc.ir import FieldSpec, ModelSpec
from symc.ir.suggest import closest

MASK_KEY, EDGE_INDEX_KEY, BATCH_KEY = "mask", "edge_index", "batch"
DENSE, UNBATCHED, EDGE_INDEX = "dense", "unbatched", "edge_index"  # the forms inputs come in
_AXIS_WORDS = {0: "global", 1: "per point", 2: "per pair"}


@dataclass(frozen=True)
class FieldValues:
    """Checked inputs: ``values`` with the model's dtype, batched (dense) or flat (``edge_index`` form).

    ``form``: ``"dense"``, ``"unbatched"`` (a single sample, given a batch axis here) or ``"edge_index"``.
    ``batch``: samples (graphs); ``n``: points per sample in the dense forms (None without per-point fields),
    nodes in the edge-index form.
    """

    values: dict[str, Tensor]
    form: str
    batch: int
    n: int | None

    def restore(self, outputs: dict[str, Tensor]) -> dict[str, Tensor]:
        """Outputs in the form the inputs came: the batch axis dropped again for a single sample."""
        if self.form == UNBATCHED:
            return {name: y.squeeze(0) for name, y in outputs.items()}
        return outputs


@dataclass(frozen=True)
class _Field:
    spec: FieldSpec
    dim: int
    size: int | str  # the set size the group names: an integer for S(k), a symbol for S(n)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def order(self) -> int:
        return self.spec.order

    def shape_text(self, batched: bool, flat: str | None = None) -> str:
        if flat is not None:
            return f"({flat}, {self.dim})"
        axes = [str(self.size)] * self.order + [str(self.dim)]
        return "(" + ", ".join((["batch"] if batched else []) + axes) + ")"

    def declaration(self) -> str:
        return f"input {self.spec}"


class FieldContract:
    """Reads a model's input dict (see the module docstring); built once per model from its spec.

    ``edges_field``: the per-pair field that gives the graph (``locality graph(edges = F)``, ``ego(edges = F)``);
    its errors are ``EdgeListError`` naming it. ``graph_forms``: the model also takes ``mask`` (dense) and
    the flat ``edge_index``/``batch`` form (graph models); otherwise the edges field itself may be an integer
    edge list ``(2, E)`` over the flat nodes.
    ``min_points``: the fewest points per sample the method can use (0 for graphs, which may be empty).
    """

    def __init__(
        self,
        spec: ModelSpec,
        *,
        edges_field: str | None = None,
        graph_forms: bool = False,
        min_points: int = 1,
    ) -> None:
        self.spec = spec
        self.fields = tuple(_Field(f, field_shape(spec.group, f)[-1], _set_size(spec)) for f in spec.inputs)
        self.graph_forms = graph_forms
        self.edges_field = edges_field
        self.edge_list_field = None if graph_forms else edges_field
        self.min_points = min_points
        permutation = spec.group.permutation_factor
        self.fixed_n = permutation.args[0] if permutation is not None and isinstance(permutation.args[0], int) else None
        self.auxiliary = (MASK_KEY, EDGE_INDEX_KEY, BATCH_KEY) if graph_forms else ()

    def dim(self, name: str) -> int:
        """Channels of input ``name``."""
        return next(f.dim for f in self.fields if f.name == name)

    # ------------------------------------------------------------------------------------------------ read
    def read(
        self, inputs: object, dtype: torch.dtype, device: torch.device, *, allow_nonfinite: bool = False
    ) -> FieldValues:
        """Check ``inputs`` against the contract; ``-> FieldValues``. Raises ``SymcError`` (module docstring)."""
        values = self._keys(inputs)
        for name, x in values.items():
            self._tensor(name, x, device)
        values = {name: self._dtype(name, x, dtype) for name, x in values.items()}
        if EDGE_INDEX_KEY in values:
            read = self._edge_index_form(values)
        else:
            read = self._dense_form(values)
        if not allow_nonfinite:
            self._finite(read)
        return read

    def _keys(self, inputs: object) -> dict[str, object]:
        names = ", ".join(f.name for f in self.fields)
        if not isinstance(inputs, Mapping):
            raise SymcError(
                f"model {self.spec.name} takes a dict of named tensors, got {type(inputs).__name__}",
                self.spec.loc,
                f"call model({{{', '.join(repr(f.name) + ': ...' for f in self.fields)}}})",
            )
        given = [k for k in inputs if not isinstance(k, str)]
        if given:
            raise SymcError(f"input keys must be field names (strings), got {given[0]!r}", self.spec.loc)
        expected = [f.name for f in self.fields]
        missing = [name for name in expected if name not in inputs]
        extra = [k for k in inputs if k not in expected and k not in self.auxiliary]
        if missing or extra:
            parts = [f"missing field(s) {', '.join(map(repr, missing))}"] if missing else []
            parts += [f"unexpected field(s) {', '.join(map(repr, extra))}"] if extra else []
            guesses = [(k, closest(k, missing or expected)) for k in extra]
            hints = [f"did you mean '{guess}' (for '{k}')?" for k, guess in guesses if guess is not None]
            hints.append(f"model {self.spec.name} takes {names}")
            if self.graph_forms:
                hints.append(f"and optionally {', '.join(map(repr, self.auxiliary))}")
            first = next((f for f in self.fields if f.name in missing), None)
            raise SymcError("; ".join(parts), first.spec.loc if first else self.spec.loc, " ".join(hints))
        if BATCH_KEY in inputs and EDGE_INDEX_KEY not in inputs:
            raise SymcError(
                "'batch' is given without 'edge_index'",
                self.spec.loc,
                "'batch' (N,) numbers the graphs of the flat edge-index form; dense inputs have a batch axis",
            )
        if MASK_KEY in inputs and EDGE_INDEX_KEY in inputs:
            raise SymcError(
                "'mask' is given with 'edge_index'",
                self.spec.loc,
                "'mask' marks real nodes of padded dense inputs; in the edge-index form leave padding out",
            )
        return dict(inputs)

    def _field(self, name: str) -> _Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def _error(self, name: str) -> type[SymcError]:
        """``EdgeListError`` for the graph's own inputs (the edges field, ``edge_index``), else ``SymcError``."""
        return EdgeListError if name in (self.edges_field, EDGE_INDEX_KEY) else SymcError

    def _edge_index_name(self) -> str:
        if self.edges_field is None:
            return "'edge_index'"
        return f"edges field '{self.edges_field}' (its 'edge_index')"

    def _tensor(self, name: str, x: object, device: torch.device) -> None:
        field = self._field(name)
        what = f"field '{name}'" if field is not None else f"'{name}'"
        loc = field.spec.loc if field is not None else self.spec.loc
        if not isinstance(x, Tensor):
            module = type(x).__module__.split(".")[0]
            kind = type(x).__name__ if module == "builtins" else f"{module}.{type(x).__name__}"
            hint = f"convert it with torch.from_numpy({name})" if kind.startswith("numpy.") else "pass a torch.Tensor"
            raise self._error(name)(f"{what} must be a torch.Tensor, got {kind}", loc, hint)
        if x.device != device:
            raise self._error(name)(
                f"{what} is on {x.device}, but the model is on {device}",
                loc,
                f"move the inputs with {name}.to('{device}'), or the model with model.to('{x.device}')",
            )

    def _dtype(self, name: str, x: Tensor, dtype: torch.dtype) -> Tensor:
        field = self._field(name)
        if field is None:
            return self._auxiliary_dtype(name, x)
        loc = field.spec.loc
        if name == self.edge_list_field and x.dtype == torch.bool:
            return x.to(dtype)  # a dense adjacency: 0/1 is exact in every float dtype
        if name == self.edge_list_field and x.dim() == 2 and not (x.is_floating_point() or x.is_complex()):
            return x  # an edge list (2, E): symc.locality checks it against the node count
        if x.is_complex() or not x.is_floating_point():
            kind = "complex" if x.is_complex() else "bool" if x.dtype == torch.bool else "integer"
            raise self._error(name)(
                f"field '{name}' holds {kind} values ({x.dtype}), but the model computes in {dtype}",
                loc,
                f"convert it with {name}.to({dtype})",
            )
        if x.dtype == dtype:
            return x
        if torch.promote_types(x.dtype, dtype) == dtype:
            return x.to(dtype)  # lossless: a narrower float into a wider model
        raise self._error(name)(
            f"field '{name}' is {x.dtype}, but the model computes in {dtype}: casting would lose precision",
            loc,
            f"pass {name}.to({dtype}), or build the model in {x.dtype} (`dtype {str(x.dtype).removeprefix('torch.')}` "
            f"in the spec, or model.to({x.dtype}))",
        )

    def _auxiliary_dtype(self, name: str, x: Tensor) -> Tensor:
        if name == MASK_KEY and x.dtype != torch.bool:
            raise SymcError(f"'mask' must be a bool tensor, got {x.dtype}", self.spec.loc, "pass mask.bool()")
        if name in (EDGE_INDEX_KEY, BATCH_KEY) and (x.is_floating_point() or x.is_complex() or x.dtype == torch.bool):
            what = self._edge_index_name() if name == EDGE_INDEX_KEY else "'batch'"
            raise self._error(name)(
                f"{what} must hold integer node indices, got dtype {x.dtype}", self.spec.loc, "pass a torch.long tensor"
            )
        return x

    # ------------------------------------------------------------------------------------------------ shapes
    def _dense_form(self, values: dict[str, Tensor]) -> FieldValues:
        shaped = [f for f in self.fields if not self._is_edge_list(f, values[f.name])]
        batched = self._batched(shaped, values)
        batch: tuple[int, str] | None = None
        n: tuple[int, str] | None = None if self.fixed_n is None else (self.fixed_n, f"the group S({self.fixed_n})")
        for field in shaped:
            shape = tuple(values[field.name].shape)
            self._rank(field, shape, batched)
            if shape[-1] != field.dim:
                raise self._axis_error(
                    field, shape, batched, len(shape) - 1, f"has {shape[-1]} channels, expected {field.dim}"
                )
            if batched:
                if batch is not None and shape[0] != batch[0]:
                    raise self._axis_error(
                        field, shape, batched, 0, f"is a batch of {shape[0]}, {batch[1]} of {batch[0]}"
                    )
                batch = batch or (shape[0], f"field '{field.name}'")
            start = int(batched)
            for axis in range(start, start + field.order):
                if n is not None and shape[axis] != n[0]:
                    found = f"has {shape[axis]} points, {n[1]} has {n[0]}"
                    raise self._axis_error(field, shape, batched, axis, found)
                n = n or (shape[axis], f"field '{field.name}'")
        size = batch[0] if batch is not None else 1
        if size == 0:
            first = shaped[0]
            shape = tuple(values[first.name].shape)
            raise SymcError(
                f"the inputs are a batch of 0 samples (field '{first.name}' has shape {shape})",
                first.spec.loc,
                "pass at least one sample; a single sample may leave the batch axis out",
            )
        points = None if n is None or not any(f.order for f in shaped) else n[0]
        if points is not None and points < self.min_points:
            field = next(f for f in shaped if f.order)
            raise SymcError(
                f"field '{field.name}' has {points} points; model {self.spec.name} needs at least {self.min_points}",
                field.spec.loc,
                "drop empty samples from the batch",
            )
        if not batched:
            values = {k: v if self._is_edge_list(self._field(k), v) else v.unsqueeze(0) for k, v in values.items()}
        if MASK_KEY in values:
            self._mask(values[MASK_KEY], size, points)
        return FieldValues(values, DENSE if batched else UNBATCHED, size, points)

    def _is_edge_list(self, field: _Field | None, x: Tensor) -> bool:
        return field is not None and field.name == self.edge_list_field and x.dim() == 2 and not x.is_floating_point()

    def _batched(self, fields: list[_Field], values: dict[str, Tensor]) -> bool:
        """Whether the inputs have a batch axis: the reading under which more fields have the right rank and
        channels (ties: batched), so one malformed field is blamed, not the others."""
        score = {True: 0, False: 0}
        for batched in score:
            for field in fields:
                shape = values[field.name].shape
                rank = field.order + 1 + batched
                score[batched] += len(shape) == rank and shape[-1] == field.dim
        return score[True] >= score[False]

    def _rank(self, field: _Field, shape: tuple[int, ...], batched: bool) -> None:
        rank = field.order + 1 + int(batched)
        if len(shape) == rank:
            return
        expected = field.shape_text(batched)
        hint = "global fields are (batch, dim), per point (batch, n, dim), per pair (batch, n, n, dim); "
        hint += "a single sample leaves the batch axis out (then every field does)"
        if len(shape) == rank - 1 and (not shape or shape[-1] != field.dim):
            hint = f"is its channel axis missing? a field of dim {field.dim} still has one: {field.name}.unsqueeze(-1)"
        raise self._error(field.name)(
            f"field '{field.name}' has shape {shape}, expected {expected}: {len(shape)} axes, not {rank}",
            field.spec.loc,
            hint,
        )

    def _axis_error(self, field: _Field, shape: tuple[int, ...], batched: bool, axis: int, found: str) -> SymcError:
        return self._error(field.name)(
            f"field '{field.name}' has shape {shape}, expected {field.shape_text(batched)}: axis {axis} {found}",
            field.spec.loc,
            "every field must agree on the batch and the number of points; per-pair fields are square"
            if axis < len(shape) - 1
            else f"the channels of `{field.declaration()}` are {field.dim}",
        )

    def _mask(self, mask: Tensor, batch: int, n: int | None) -> None:
        expected = (batch, n)
        if n is None or tuple(mask.shape) not in (expected, (n,) if batch == 1 else expected):
            raise SymcError(
                f"'mask' has shape {tuple(mask.shape)}, expected {expected} (one bool per node slot)",
                self.spec.loc,
                "True marks the real nodes of each padded graph",
            )

    def _edge_index_form(self, values: dict[str, Tensor]) -> FieldValues:
        edge_index = values[EDGE_INDEX_KEY]
        if edge_index.dim() != 2 or edge_index.shape[0] != 2:
            raise EdgeListError(
                f"{self._edge_index_name()} must have shape (2, E), got {tuple(edge_index.shape)}",
                self.spec.loc,
                "row 0 holds senders, row 1 receivers (torch_geometric's convention)",
            )
        nodes = [f for f in self.fields if f.order == 1]
        graph_of = values.get(BATCH_KEY)
        if nodes:
            num_nodes = values[nodes[0].name].shape[0] if values[nodes[0].name].dim() else 0
        elif graph_of is not None:
            num_nodes = graph_of.shape[0] if graph_of.dim() else 0
        else:
            raise SymcError(
                "with 'edge_index' and no per-node input, pass 'batch' to give the number of nodes", self.spec.loc
            )
        if graph_of is not None:
            if graph_of.dim() != 1 or graph_of.shape[0] != num_nodes:
                raise SymcError(
                    f"'batch' must be a vector of {num_nodes} graph ids (one per node), got shape "
                    f"{tuple(graph_of.shape)}",
                    self.spec.loc,
                    "batch[i] is the graph of node i, counting from 0",
                )
            if num_nodes and int(graph_of.min()) < 0:
                raise SymcError("'batch' holds a negative graph id", self.spec.loc, "graph ids count from 0")
            num_graphs = int(graph_of.max()) + 1 if num_nodes else 0
        else:
            num_graphs = 1 if num_nodes else 0
        if num_graphs == 0:
            raise SymcError(
                "the inputs are a batch of 0 graphs (no nodes)", self.spec.loc, "pass at least one graph with a node"
            )
        rows = {0: (num_graphs, "num_graphs"), 1: (num_nodes, "N"), 2: (edge_index.shape[1], "E")}
        for field in self.fields:
            shape = tuple(values[field.name].shape)
            count, symbol = rows[field.order]
            expected = f"({symbol} = {count}, {field.dim})"
            if len(shape) != 2 or shape != (count, field.dim):
                raise SymcError(
                    f"field '{field.name}' has shape {shape}, expected {expected} in the edge-index form "
                    f"({_AXIS_WORDS[field.order]}: one row per {('graph', 'node', 'edge')[field.order]})",
                    field.spec.loc,
                    "per node (N, dim), per pair (E, dim) in edge_index's column order, global (num_graphs, dim)",
                )
        return FieldValues(values, EDGE_INDEX, num_graphs, num_nodes)

    # ------------------------------------------------------------------------------------------------ values
    def _finite(self, read: FieldValues) -> None:
        values = read.values
        checked = [(f, values[f.name]) for f in self.fields if values[f.name].is_floating_point()]
        if not checked:
            return
        flags = torch.stack([torch.isfinite(x).all() for _, x in checked])
        if bool(flags.all()):  # the one host synchronisation of the contract
            return
        field, x = next((f, x) for f, x in checked if not bool(torch.isfinite(x).all()))
        index = tuple(int(i) for i in torch.nonzero(~torch.isfinite(x))[0])
        value = x[index]
        value = "NaN" if bool(value.isnan()) else "Inf" if bool(value > 0) else "-Inf"
        if read.form == UNBATCHED and not self._is_edge_list(field, x):
            index = index[1:]  # the user's own index: the batch axis was added here
        raise SymcError(
            f"field '{field.name}' holds {value} at index {index}",
            field.spec.loc,
            "clean the inputs, or let non-finite values through with symc.build(spec, allow_nonfinite=True) "
            "(or model.allow_nonfinite = True)",
        )


def _set_size(spec: ModelSpec) -> int | str:
    permutation = spec.group.permutation_factor
    return permutation.args[0] if permutation is not None else "n"


__all__ = ["FieldContract", "FieldValues"]
