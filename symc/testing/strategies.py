"""Hypothesis strategies for group elements and model inputs.

Everything random is drawn from a seed, so hypothesis shrinks towards small seeds, the identity and
the discrete generators, and every failure is reproducible from the printed example.
"""

from __future__ import annotations

import dataclasses

import torch
from hypothesis import strategies as st

from symc import ir

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def concrete_group_spec(group_spec: ir.GroupSpec, n: int) -> ir.GroupSpec:
    """The same product with every symbolic size (``S(n)``) replaced by the integer ``n``."""
    factors = tuple(
        dataclasses.replace(f, args=tuple(n if isinstance(a, str) else a for a in f.args)) for f in group_spec.factors
    )
    return dataclasses.replace(group_spec, factors=factors)


def concrete_group(group_spec: ir.GroupSpec, n: int):
    """The catalogue group of ``group_spec`` with symbolic sizes set to ``n`` (a ``Group`` from ``symc.groups``)."""
    from symc.groups import group

    return group(concrete_group_spec(group_spec, n))


def group_factors(group) -> tuple:
    """The matrix-group factors of a catalogue group (a lone ``MatrixGroup`` is its own single factor)."""
    return tuple(getattr(group, "factors", (group,)))


def _matrix_group_elements(factor, batch: int) -> st.SearchStrategy[torch.Tensor]:
    """Elements ``(batch, s, s)`` of one matrix group: mostly random samples, sometimes the identity or a
    discrete generator. The kind is drawn first, so shrinking a failure tries the identity, then the
    generators, before settling on a random element with the smallest seed."""
    generators = factor.discrete_generators

    def element(kind: int, index: int, seed: int) -> torch.Tensor:
        if kind == 0:
            return factor.identity(batch)
        if kind == 1 and generators.shape[0] > 0:
            return generators[index % generators.shape[0]].expand(batch, -1, -1).clone()
        return factor.sample(batch, generator=torch.Generator().manual_seed(seed))

    # kinds 2..7 are random samples: three quarters of the trials are generic elements.
    return st.builds(element, st.integers(0, 7), st.integers(0, max(generators.shape[0] - 1, 0)), SEEDS)


def group_elements(group, batch: int = 1, *, only_factor: int | None = None) -> st.SearchStrategy:
    """Elements of a ``symc.groups`` group, batched: ``(batch, s, s)`` for one factor, a tuple for a product.

    With ``only_factor = i`` the other factors of a product are the identity, which isolates factor ``i``.
    """
    if not hasattr(group, "factors"):
        return _matrix_group_elements(group, batch)
    parts = [
        _matrix_group_elements(f, batch) if only_factor in (None, i) else st.just(f.identity(batch))
        for i, f in enumerate(group.factors)
    ]
    return st.tuples(*parts)


def _field_tensor(field: ir.FieldSpec, shape: tuple[int, ...], generator: torch.Generator, dtype: torch.dtype):
    x = torch.randn(shape, generator=generator, dtype=dtype)
    if isinstance(field.rep, ir.Orientation):
        return x / x.norm(dim=-1, keepdim=True)
    if isinstance(field.rep, ir.RotationFrame):
        d = round(shape[-1] ** 0.5)
        q, r = torch.linalg.qr(x.reshape(*shape[:-1], d, d))
        # Sign-fix the QR factor so the frame is a uniformly random rotation (det +1).
        q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
        flip = torch.det(q) < 0
        q[..., 0] = torch.where(flip.unsqueeze(-1), -q[..., 0], q[..., 0])
        return q.reshape(shape)
    return x


def random_inputs(
    spec: ir.ModelSpec, seed: int, n: int = 5, batch: int = 2, dtype: torch.dtype = torch.float64
) -> dict[str, torch.Tensor]:
    """One random input dict for ``spec``: global ``(batch, dim)``, per point ``(batch, n, dim)``, per pair
    ``(batch, n, n, dim)``. Points are Gaussian (generic: no coincidences), orientations unit vectors."""
    from symc.groups import field_shape

    group_spec = concrete_group_spec(spec.group, n)
    generator = torch.Generator().manual_seed(seed)
    inputs = {}
    for field in spec.inputs:
        shape = tuple(n if isinstance(s, str) else int(s) for s in field_shape(group_spec, field))
        inputs[field.name] = _field_tensor(field, (batch, *shape), generator, dtype)
    return inputs


def field_inputs(
    spec: ir.ModelSpec, n: int = 5, batch: int = 2, dtype: torch.dtype = torch.float64
) -> st.SearchStrategy[dict[str, torch.Tensor]]:
    """Random inputs of every input field of ``spec`` (see ``random_inputs`` for the shapes)."""
    return SEEDS.map(lambda seed: random_inputs(spec, seed, n=n, batch=batch, dtype=dtype))
