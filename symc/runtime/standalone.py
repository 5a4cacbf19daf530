"""Runtime of the standalone modules ``symc compile`` writes; it imports only torch and safetensors.

``codegen.write_standalone`` copies this file's source into ``<ModelName>.py`` and appends a subclass of
:class:`StandaloneModel` naming its weight file and fields. Everything else is data in
``<ModelName>.safetensors``: the solved bases, the learned coefficients, the S(n) partition ops as integer
tables (restricted growth strings), and integer tables for block offsets, gates and bilinear pairs. The
dense per-op channel maps are assembled once at load, so a forward pass is the same computation as the
built model's: ``y = Σ_γ op_γ(x) W_γᵀ`` per layer, gates, products and the centroid shift for points.
"""

from __future__ import annotations

import string
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import Tensor, nn

_LETTERS = string.ascii_lowercase
_EXTRA = string.ascii_uppercase[:20]
RUNTIME_ACTIVATIONS = {
    "silu": nn.functional.silu,
    "relu": nn.functional.relu,
    "gelu": nn.functional.gelu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": nn.functional.softplus,
}


def partition_op(
    x: Tensor, labels: list[int], k: int, l: int, n: int | None, mean: bool, weight: Tensor | None = None
) -> Tensor:
    """``op(x) @ weight.T`` (or ``op(x)``) for the S(n) partition op ``labels``: ``(b, n^k.., C) -> (b, n^l.., C')``."""
    if k:
        n = x.shape[1]
    ins, outs = labels[:k], labels[k:]
    kept_blocks = sorted(set(ins) & set(outs))
    kept_sub = "Z" + "".join(_LETTERS[b] for b in kept_blocks) + "Y"
    kept = torch.einsum("Z" + "".join(_LETTERS[b] for b in ins) + "Y->" + kept_sub, x)
    reduced = len(set(ins) - set(outs))
    if reduced and mean:
        kept = kept / float(n) ** reduced
    if weight is not None:
        kept = kept @ weight.T
    if not l:
        return kept
    # Each block's first output position reuses the block letter; later positions of the same block get a fresh
    # letter tied to it through an identity matrix; output-only blocks enter through a ones vector. Every
    # operand is an outer-product factor, so the cost is the output size times the number of operands.
    operands, subs, out_letters, seen, extra = [kept], [kept_sub], [], set(), iter(_EXTRA)
    for block in outs:
        letter = _LETTERS[block]
        if block in seen:
            fresh = next(extra)
            operands.append(torch.eye(n, dtype=kept.dtype, device=kept.device))
            subs.append(letter + fresh)
            out_letters.append(fresh)
            continue
        seen.add(block)
        out_letters.append(letter)
        if block not in ins:
            operands.append(torch.ones(n, dtype=kept.dtype, device=kept.device))
            subs.append(letter)
    if len(operands) == 1 and kept_sub[1:-1] == "".join(out_letters):
        return kept
    return torch.einsum(",".join(subs) + "->Z" + "".join(out_letters) + "Y", *operands)


class StandaloneModel(nn.Module):
    """Loads ``WEIGHTS`` next to the defining file; ``forward({name: tensor}) -> {name: tensor}``."""

    WEIGHTS = ""
    INPUTS: tuple[str, ...] = ()
    OUTPUTS: tuple[str, ...] = ()
    ACTIVATION = "silu"
    SOURCE = __file__

    def __init__(self, weights: str | Path | None = None) -> None:
        super().__init__()
        path = Path(weights) if weights is not None else Path(self.SOURCE).with_name(self.WEIGHTS)
        stored = load_file(str(path))
        self.tables = {key: value for key, value in stored.items() if value.dtype == torch.int64}
        tensors = {key: value for key, value in stored.items() if value.dtype != torch.int64}
        self.act = RUNTIME_ACTIVATIONS[self.ACTIVATION]
        self.depth = int(self.tables["model.layers"][0])
        self.layer_names = [f"block{i}.linear" for i in range(self.depth)] + ["readout"]
        self.layer_names += [f"block{i}.bilinear" for i in range(self.depth) if f"block{i}.pairs" in self.tables]
        for name in self.layer_names:
            for key, weight in self._assemble(name, tensors).items():
                self.register_buffer(key, weight)

    def _int(self, key: str) -> list:
        return self.tables[key].tolist()

    def _ops(self, k: int, l: int) -> list[list[int]]:
        return self._int(f"ops.{k}.{l}") if k + l else [[]]

    def _assemble(self, name: str, tensors: dict[str, Tensor]) -> dict[str, Tensor]:
        """Dense ``W (ops, C_out, C_in)`` per order pair and ``bias (ops, C_out)`` per output order."""
        num_maps, num_bias, _ = self._int(f"{name}.shape")
        channels_in, channels_out = self._int(f"{name}.channels")
        out = {}
        for j in range(num_maps):
            order_in, order_out, i0, i_size, o0, o_size, b = self._int(f"{name}.map{j}")
            key = f"{name}.W{order_in}{order_out}".replace(".", "_")
            if key not in out:
                ops = len(self._ops(order_in, order_out))
                out[key] = tensors[f"{name}.map{j}.weight"].new_zeros(
                    ops, channels_out[order_out], channels_in[order_in]
                )
            c, basis = tensors[f"{name}.map{j}.weight"], tensors[f"{name}.basis{b}"]
            block = torch.einsum("gkoi,kab->goaib", c, basis).reshape(out[key].shape[0], o_size, i_size)
            out[key][:, o0 : o0 + o_size, i0 : i0 + i_size] = block
        for j in range(num_bias):
            order, o0, o_size, b = self._int(f"{name}.bias{j}")
            key = f"{name}.b{order}".replace(".", "_")
            c, basis = tensors[f"{name}.bias{j}.weight"], tensors[f"{name}.basis{b}"]
            if key not in out:
                out[key] = c.new_zeros(len(self._ops(0, order)), channels_out[order])
            out[key][:, o0 : o0 + o_size] = torch.einsum("gkm,kd->gmd", c, basis[:, :, 0]).reshape(c.shape[0], -1)
        return out

    def _linear(self, name: str, features: dict[int, Tensor], n: int | None) -> dict[int, Tensor]:
        mean = self._int(f"{name}.shape")[2] == 0
        sample = next(iter(features.values()))
        result: dict[int, Tensor] = {}
        for key, W in self.named_buffers():
            prefix = name.replace(".", "_") + "_W"
            if not key.startswith(prefix):
                continue
            order_in, order_out = int(key[-2]), int(key[-1])
            for labels, weight in zip(self._ops(order_in, order_out), W, strict=True):
                term = partition_op(features[order_in], labels, order_in, order_out, n, mean, weight)
                result[order_out] = term if order_out not in result else result[order_out] + term
        channels_out = self._int(f"{name}.channels")[1]
        for order in self._int(f"{name}.out_orders"):
            if order not in result:
                result[order] = sample.new_zeros(sample.shape[0], *([n] * order), channels_out[order])
            bias_key = f"{name}.b{order}".replace(".", "_")
            if hasattr(self, bias_key):
                for labels, vector in zip(self._ops(0, order), getattr(self, bias_key), strict=True):
                    result[order] = result[order] + partition_op(vector[None], labels, 0, order, n, True)
        return result

    def _products(self, i: int, features: dict[int, Tensor]) -> dict[int, Tensor]:
        parts: dict[int, list[Tensor]] = {}
        for order, l0, l_mult, l_dim, r0, r_mult, r_dim, copies, shift in self._int(f"block{i}.pairs"):
            x = features[order]
            lead = x.shape[:-1]
            left = x[..., l0 : l0 + l_mult * l_dim].reshape(*lead, l_mult, l_dim)[..., :copies, :]
            right = x[..., r0 : r0 + r_mult * r_dim].reshape(*lead, r_mult, r_dim)
            right = right.roll(-shift, dims=-2)[..., :copies, :]
            parts.setdefault(order, []).append((left[..., :, None] * right[..., None, :]).reshape(*lead, -1))
        return {order: torch.cat(chunks, dim=-1) for order, chunks in parts.items()}

    def _gate(self, i: int, features: dict[int, Tensor]) -> dict[int, Tensor]:
        out = {}
        for order in self._int(f"block{i}.gate.orders"):
            x = features[order]
            scalars = self.act(x[..., self.tables[f"block{i}.gate{order}.scalars"]])
            vectors = x[..., self.tables[f"block{i}.gate{order}.vectors"]]
            gates = torch.sigmoid(x[..., self.tables[f"block{i}.gate{order}.gates"]])
            out[order] = torch.cat([scalars, vectors * gates], dim=-1)[
                ..., self.tables[f"block{i}.gate{order}.restore"]
            ]
        return out

    def forward(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        missing = [name for name in self.INPUTS if name not in inputs]
        if missing or len(inputs) != len(self.INPUTS):
            raise ValueError(f"expected exactly the fields {self.INPUTS}, got {tuple(inputs)}")
        fields = self._int("inputs")
        first = inputs[self.INPUTS[0]]
        batched = first.dim() == fields[0][0] + 2
        values = [inputs[name] if batched else inputs[name].unsqueeze(0) for name in self.INPUTS]
        n = next((int(v.shape[1]) for v, row in zip(values, fields, strict=True) if row[0] > 0), None)
        source, start, stop = self._int("centroid")
        centroid = values[source][..., start:stop].mean(dim=1) if source >= 0 else None
        parts: dict[int, list[Tensor]] = {}
        for index, (value, (order, _, _)) in enumerate(zip(values, fields, strict=True)):
            parts.setdefault(order, []).append(self._shift(value, order, "inputs", index, centroid, -1.0))
        features = {order: torch.cat(chunks, dim=-1) for order, chunks in parts.items()}
        for i in range(self.depth):
            pre = self._linear(f"block{i}.linear", features, n)
            if f"block{i}.pairs" in self.tables:
                products = self._linear(f"block{i}.bilinear", self._products(i, pre), n)
                pre = {order: x + products[order] for order, x in pre.items()}
            features = self._gate(i, pre)
        result = self._linear("readout", features, n)
        outputs = {}
        for index, (name, (order, dim, offset)) in enumerate(zip(self.OUTPUTS, self._int("outputs"), strict=True)):
            y = self._shift(result[order][..., offset : offset + dim], order, "outputs", index, centroid, 1.0)
            outputs[name] = y if batched else y.squeeze(0)
        return outputs

    def _shift(self, x: Tensor, order: int, side: str, index: int, centroid: Tensor | None, sign: float) -> Tensor:
        """Add ``sign · centroid`` to the point channels of field ``index`` (x: ``(b, n^order.., dim)``)."""
        rows = [row for row in self._int(f"{side}.points") if row[0] == index]
        if centroid is None or not rows:
            return x
        offset = torch.zeros_like(x)
        shift = sign * centroid.reshape(centroid.shape[0], *([1] * order), centroid.shape[-1])
        for _, start, stop in rows:
            offset[..., start:stop] = shift
        return x + offset
