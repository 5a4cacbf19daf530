"""The sphere-grid route of the Gaunt product: separable evaluation, pointwise product, separable projection.

For ``f = Σ a_lm Y_lm`` (degree ≤ La) and ``g = Σ b_lm Y_lm`` (degree ≤ Lb), the Gaunt product
``c_lm = s ∫ f g Y_lm dΩ`` (l ≤ Lc) integrates a polynomial of degree ≤ D = La + Lb + Lc, so a grid of
``nθ = ⌊D/2⌋ + 1`` Gauss–Legendre nodes in cos θ times ``nφ = D + 1`` uniform azimuths computes it
exactly (Xie et al., "The Price of Freedom", ICML 2025). The polar axis is symc's (y).

Real harmonics factor, ``Y_lm(θ, φ) = A_lm(θ) · T_m(φ)`` with ``T_m`` = 1, cos(mφ) or sin(|m|φ), so each
transform is two small steps instead of one ``(L+1)² × nθnφ`` GEMM. Rows (samples × channels) are the
last, contiguous axis, so every step is one GEMM or ``bmm`` over all rows of a chunk:

- evaluate: features gathered (index table, straight from the caller's layout, e.g. e3nn's) to
  ``(2L+1 [m], L+1 [l], rows)`` (l < |m| or absent degrees: zero table entries) → per-m Legendre ``bmm``
  with ``(2L+1, nθ, L+1)`` → rings ``(2L+1, nθ·rows)`` → cos GEMM ``(J+1, L+1)`` on the m ≥ 0 rows and sin
  GEMM ``(J+1, L)`` on the m < 0 rows, at the azimuths ``φ_0..φ_J``, ``J = ⌊nφ/2⌋`` only: the others are
  ``−φ_j``, where ``f = C − S``;
- multiply: ``(fg)(φ) ± (fg)(−φ)`` is ``2(CC' + SS')`` and ``2(CS' + SC')`` (four products on the half grid);
- project (the transpose, quadrature weights and the scale ``s`` folded in): cos/sin GEMMs
  ``(L+1, J+1)``, ``(L, J+1)``, per-m Legendre ``bmm`` ``(2L+1, L+1, nθ)``, then the features selected.

Per product of a full product (La = Lb = L, Lc = 2L; nθ ≈ J ≈ 2L) that is ≈ 56 L³ multiply-adds with the
zero padding, against ≈ 48 L⁴ for dense evaluation GEMMs on the grid. The steps are memory-bound
(inner dimensions ≤ 2L+1): on CPU the samples are processed in equal chunks whose grid values
(``GRID_CHUNK_ELEMENTS``) stay in cache. The Gaunt coefficients are symmetric in their three indices, so
the gradient for one input is the grid product of the output gradient and the other input, projected on
that input's degrees: a first-order backward reuses the inputs' grid values saved by the forward and
evaluates only the output gradient; a differentiable one (``GridGradients``) recomputes them, and its own
derivatives are grid products again, so any order works.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

from symc.so3.harmonics import spherical_harmonics

# Grid values (points × rows) per operand and chunk: 2^19 float32 = 2 MiB, twice the L2 of the benchmark
# CPU. With freed memory kept in the heap (``symc.runtime.cpu_allocator``) it was 4–12% faster cold than
# 2^18 at L = 6, 8, 10 with 16 channels and L = 6, 8 with one, within noise at L = 4 and 10 with one;
# 2^17 was slower everywhere, 2^20 slower with 16 channels.
# Off CPU one chunk up to GRID_CHUNK_ELEMENTS_DEVICE.
GRID_CHUNK_ELEMENTS = 2**19
GRID_CHUNK_ELEMENTS_DEVICE = 2**27


@dataclass(frozen=True)
class GridSize:
    """``nθ`` Gauss–Legendre rings times ``nφ`` uniform azimuths: exact for polynomials of ``degree`` on S²."""

    degree: int

    @property
    def n_theta(self) -> int:
        return self.degree // 2 + 1

    @property
    def n_phi(self) -> int:
        return self.degree + 1


@dataclass(frozen=True)
class OperandTables:
    """float64 tables (and index maps) of one operand of degree ≤ L with c channels on a grid.

    ``gather ((2L+1)(L+1)c,)``: feature index of slot (m, l, channel) (any where l < |m| or l is absent:
    its Legendre entries are zero); ``select (c·dim,)``: slot row of each feature. Evaluate:
    ``legendre (2L+1, nθ, L+1)``, then ``cos (J+1, L+1)`` and ``sin (J+1, L)`` at the azimuths
    ``φ_j, j = 0..J = ⌊nφ/2⌋`` (the others are ``−φ_j``). Project: ``cos_project (L+1, J+1)``,
    ``sin_project (L, J+1)`` and ``legendre_project (2L+1, L+1, nθ)``, quadrature weights and scale folded in.
    """

    gather: Tensor
    select: Tensor
    legendre: Tensor
    cos: Tensor
    sin: Tensor
    cos_project: Tensor
    sin_project: Tensor
    legendre_project: Tensor

    @property
    def channels(self) -> int:
        return self.gather.numel() // (self.legendre.shape[0] * self.legendre.shape[2])

    def tensors(self) -> dict[str, Tensor]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def operand_tables(
    degrees: tuple[int, ...], degree: int, scale: float = 1.0, layout: Tensor | None = None
) -> OperandTables:
    """Tables of an operand whose unit holds ``degrees`` (in order, each once), on ``GridSize(degree)``.

    ``layout[ch·dim + k]`` is the feature index of unit component k of channel ch (default: one channel,
    features in unit order); e.g. the channel-to-e3nn permutation of ``TensorProduct``.
    """
    lmax, dim = max(degrees), sum(2 * l + 1 for l in degrees)
    layout = torch.arange(dim) if layout is None else layout
    channels = len(layout) // dim
    legendre, trig, weights, phi_weight = _factors(lmax, degree)
    present = torch.zeros(lmax + 1, dtype=torch.bool)
    present[list(degrees)] = True
    mask = torch.tensor([[abs(m) <= l and bool(present[l]) for l in range(lmax + 1)] for m in range(-lmax, lmax + 1)])
    legendre = legendre * mask[:, :, None]
    offsets = dict(zip(degrees, np.cumsum([0] + [2 * l + 1 for l in degrees[:-1]]).tolist(), strict=True))
    gather = torch.zeros(2 * lmax + 1, lmax + 1, channels, dtype=torch.long)
    for m in range(-lmax, lmax + 1):
        for l in range(abs(m), lmax + 1):
            if present[l]:
                gather[lmax + m, l] = layout.view(channels, dim)[:, offsets[l] + l + m]
    unit_slot = torch.tensor([(lmax + m) * (lmax + 1) + l for l in degrees for m in range(-l, l + 1)])
    slot_of_position = (unit_slot[None, :] * channels + torch.arange(channels)[:, None]).reshape(-1)
    select = slot_of_position[torch.argsort(layout)]
    n_phi = GridSize(degree).n_phi
    half = n_phi // 2 + 1  # φ_0..φ_J; φ_j and φ_{nφ−j} pair up, φ_0 (and φ_{nφ/2}) stand alone
    single = torch.tensor([j == 0 or 2 * j == n_phi for j in range(half)])
    fold = phi_weight * torch.where(single, 1.0, 2.0).double()
    cos, sin = trig[:half, lmax:], trig[:half, :lmax]
    return OperandTables(
        gather=gather.reshape(-1),
        select=select,
        legendre=legendre.transpose(1, 2).contiguous(),
        cos=cos.contiguous(),
        sin=sin.contiguous(),
        cos_project=(cos * fold[:, None]).T.contiguous(),
        sin_project=(sin * fold[:, None]).T.contiguous(),
        legendre_project=(scale * legendre * weights).contiguous(),
    )


@lru_cache(maxsize=64)
def _factors(lmax: int, degree: int) -> tuple[Tensor, Tensor, Tensor, float]:
    """``A (2L+1, L+1, nθ)``, ``T (nφ, 2L+1)``, θ weights ``(nθ,)`` and the φ weight ``2π/nφ``.

    ``A[L+m, l] T[:, L+m]`` reproduces ``spherical_harmonics`` on the grid (checked to 1e-12).
    """
    grid = GridSize(degree)
    nodes, weights = np.polynomial.legendre.leggauss(grid.n_theta)
    cos_theta = torch.as_tensor(nodes, dtype=torch.float64)
    sin_theta = torch.sqrt(1.0 - cos_theta * cos_theta)
    phi = torch.arange(grid.n_phi, dtype=torch.float64) * (2 * math.pi / grid.n_phi)
    # Polar axis y: symc's harmonics use textbook axes (x', y', z') = (z, x, y), φ measured from z towards x.
    points = torch.stack(
        [
            sin_theta[:, None] * torch.sin(phi)[None, :],
            cos_theta[:, None].expand(-1, grid.n_phi),
            sin_theta[:, None] * torch.cos(phi)[None, :],
        ],
        dim=-1,
    )
    trig = torch.stack([torch.sin(-m * phi) if m < 0 else torch.cos(m * phi) for m in range(-lmax, lmax + 1)], dim=-1)
    legendre = torch.zeros(2 * lmax + 1, lmax + 1, grid.n_theta, dtype=torch.float64)
    norms = (trig * trig).sum(0)
    for l in range(lmax + 1):
        values = spherical_harmonics(l, points)  # (nθ, nφ, 2l+1)
        for m in range(-l, l + 1):
            column = trig[:, lmax + m]
            factor = values[:, :, l + m] @ column / norms[lmax + m]
            if (factor[:, None] * column - values[:, :, l + m]).abs().max() > 1e-12:
                raise AssertionError(f"Y_{l},{m} does not factor as A(θ)·T(φ) on the grid")
            legendre[lmax + m, l] = factor
    return legendre, trig, torch.as_tensor(weights, dtype=torch.float64), 2 * math.pi / grid.n_phi


def grid_product(a: Tensor, b: Tensor, tables: tuple[OperandTables, ...], roles: tuple[int, int, int]) -> Tensor:
    """Gaunt product of features ``a (M, ca·da)`` and ``b (M, cb·db)`` → ``(M, cc·dc)``.

    ``tables[roles[i]]`` are the tables of a, b and the output (in the dtype and device of a). Channels
    broadcast (``ca`` or ``cb`` may be 1); ``cc = 1 < max(ca, cb)`` sums over the channels.
    Differentiable to any order (``GridProduct``).
    """
    return GridProduct.apply(a, b, tables, roles)


class GridProduct(torch.autograd.Function):
    """``grid_product``. Autograd saves the two inputs and, when a gradient is needed, their grid values,
    so a first-order backward only evaluates the output gradient; a differentiable backward (double
    backward, ``create_graph``) goes through ``GridGradients`` instead, which recomputes them."""

    @staticmethod
    def forward(ctx, a, b, tables, roles):
        ctx.tables, ctx.roles = tables, roles
        ta, tb, tc = (tables[r] for r in roles)
        keep = any(ctx.needs_input_grad[:2])
        out = _Output(a, len(tc.select), row_major=False)
        ctx.chunks = _chunks(out.rows, (ta, tb), a.device)
        rows_a, rows_b = _feature_major(a), _feature_major(b)
        values: list[Tensor] = []
        for start, stop in ctx.chunks:
            parts_a, parts_b = _evaluate(rows_a[:, start:stop], ta), _evaluate(rows_b[:, start:stop], tb)
            out.store(start, stop, _multiply_project(parts_a, parts_b, tc))
            if keep:
                values += [*parts_a, *parts_b]
        ctx.save_for_backward(a, b, *values)
        return out.result()

    @staticmethod
    def backward(ctx, grad):
        a, b, *values = ctx.saved_tensors
        ra, rb, rc = ctx.roles
        need = ctx.needs_input_grad[:2]
        if not torch.is_grad_enabled():
            return (*_gradients(grad, a, b, ctx.tables, ctx.roles, ctx.chunks, values, need), None, None)
        if all(need):
            grad_a, grad_b = GridGradients.apply(grad, a, b, ctx.tables, ctx.roles)
        else:
            grad_a = GridProduct.apply(grad, b, ctx.tables, (rc, rb, ra)) if need[0] else None
            grad_b = GridProduct.apply(grad, a, ctx.tables, (rc, ra, rb)) if need[1] else None
        return grad_a, grad_b, None, None


class GridGradients(torch.autograd.Function):
    """``(P(g, b → a), P(g, a → b))`` for the output gradient g, evaluating g once per chunk.

    The Gaunt coefficients are symmetric in their three indices, so both are grid products; so are the
    derivatives of this map (``backward``), hence derivatives of any order.
    """

    @staticmethod
    def forward(ctx, grad, a, b, tables, roles):
        ctx.save_for_backward(grad, a, b)
        ctx.tables, ctx.roles = tables, roles
        chunks = _chunks(grad.shape[0], tuple(tables[r] for r in (roles[2], roles[0], roles[1])), a.device)
        return _gradients(grad, a, b, tables, roles, chunks, None, (True, True))

    @staticmethod
    def backward(ctx, up_a, up_b):
        grad, a, b = ctx.saved_tensors
        ra, rb, rc = ctx.roles
        tables, need = ctx.tables, ctx.needs_input_grad
        d_grad = d_a = d_b = None
        if need[0]:
            d_grad = GridProduct.apply(up_a, b, tables, (ra, rb, rc)) + GridProduct.apply(up_b, a, tables, (rb, ra, rc))
        if need[1]:
            d_a = GridProduct.apply(up_b, grad, tables, (rb, rc, ra))
        if need[2]:
            d_b = GridProduct.apply(up_a, grad, tables, (ra, rc, rb))
        return d_grad, d_a, d_b, None, None


def _gradients(
    grad: Tensor,
    a: Tensor,
    b: Tensor,
    tables: tuple[OperandTables, ...],
    roles: tuple[int, int, int],
    chunks: list[tuple[int, int]],
    values: list[Tensor] | None,
    need: tuple[bool, bool],
) -> tuple[Tensor | None, Tensor | None]:
    """Gradients of a and b from the output gradient ``grad (M, cc·dc)``, chunk by chunk.

    ``values``: the cos/sin grid values of a and b per chunk saved by the forward (4 per chunk), or None
    to evaluate them here.
    """
    ta, tb, tc = (tables[r] for r in roles)
    grad_a = _Output(a, len(ta.select), row_major=a.is_contiguous()) if need[0] else None
    grad_b = _Output(b, len(tb.select), row_major=b.is_contiguous()) if need[1] else None
    grad = _feature_major(grad)
    if values is None:
        rows_a, rows_b = _feature_major(a), _feature_major(b)
    for index, (start, stop) in enumerate(chunks):
        if values is None:
            parts_a, parts_b = _evaluate(rows_a[:, start:stop], ta), _evaluate(rows_b[:, start:stop], tb)
        else:
            parts_a, parts_b = tuple(values[4 * index : 4 * index + 2]), tuple(values[4 * index + 2 : 4 * index + 4])
        parts_g = _evaluate(grad[:, start:stop], tc)
        if grad_a is not None:
            grad_a.store(start, stop, _multiply_project(parts_g, parts_b, ta))
        if grad_b is not None:
            grad_b.store(start, stop, _multiply_project(parts_g, parts_a, tb))
    return (None if grad_a is None else grad_a.result()), (None if grad_b is None else grad_b.result())


def _feature_major(x: Tensor) -> Tensor:
    """``x (M, D)`` as a contiguous ``(D, M)``: a view of a feature-major tensor, else one transposing copy."""
    return x.T.contiguous()


class _Output:
    """An ``(M, D)`` result filled by ``(D, m)`` chunks: row-major (a transposed store per chunk, matching
    a row-major input, so the caller's elementwise ops see one layout) or feature-major (plain stores, and
    a chunk of all M rows is kept as it is; returned as a transposed view)."""

    def __init__(self, like: Tensor, features: int, row_major: bool) -> None:
        self.rows, self.row_major, self.like = like.shape[0], row_major, like
        self.shape = (self.rows, features) if row_major else (features, self.rows)
        self.buffer: Tensor | None = None

    def store(self, start: int, stop: int, chunk: Tensor) -> None:
        if not self.row_major and stop - start == self.rows:
            self.buffer = chunk
        elif self.row_major:
            self._allocated()[start:stop] = chunk.T
        else:
            self._allocated()[:, start:stop] = chunk

    def result(self) -> Tensor:
        return self._allocated() if self.row_major else self._allocated().T

    def _allocated(self) -> Tensor:
        if self.buffer is None:
            self.buffer = self.like.new_empty(self.shape)
        return self.buffer


def _chunks(rows: int, tables: tuple[OperandTables, ...], device: torch.device) -> list[tuple[int, int]]:
    """Equal sample ranges whose grid values (≤ ``GRID_CHUNK_ELEMENTS`` per operand) stay in cache on CPU."""
    points = 2 * tables[0].cos.shape[0] * tables[0].legendre.shape[1]
    budget = GRID_CHUNK_ELEMENTS if device.type == "cpu" else GRID_CHUNK_ELEMENTS_DEVICE
    most = max(1, budget // (points * max(table.channels for table in tables)))
    count = max(1, math.ceil(rows / most))
    step = max(1, math.ceil(rows / count))  # equal chunks: no small remainder with the same per-chunk ops
    return [(start, min(rows, start + step)) for start in range(0, rows, step)]


def _multiply_project(parts_u: tuple[Tensor, Tensor], parts_v: tuple[Tensor, Tensor], t: OperandTables) -> Tensor:
    """Pointwise product of two evaluated operands, projected on the operand of ``t``: ``(D, m)``."""
    (cos_u, sin_u), (cos_v, sin_v) = parts_u, parts_v
    # f(±φ) = C ± S, so (fg)(φ) + (fg)(−φ) = 2(CC' + SS') and (fg)(φ) − (fg)(−φ) = 2(CS' + SC').
    even = torch.addcmul(cos_u * cos_v, sin_u, sin_v)
    odd = torch.addcmul(cos_u * sin_v, sin_u, cos_v)
    if t.channels < even.shape[2]:
        even, odd = even.sum(2, keepdim=True), odd.sum(2, keepdim=True)
    return _project(even, odd, t)


def _evaluate(x: Tensor, t: OperandTables) -> tuple[Tensor, Tensor]:
    """Features ``x (D, m)`` → cos and sin parts of the values, each ``(J+1, nθ, c, m)``, at ``φ_0..φ_J``."""
    orders, n_theta, degrees = t.legendre.shape
    lmax = orders // 2
    rings = torch.bmm(t.legendre, x.index_select(0, t.gather).view(orders, degrees, -1)).view(orders, -1)
    shape = (-1, n_theta, t.channels, x.shape[1])
    return torch.mm(t.cos, rings[lmax:]).view(shape), torch.mm(t.sin, rings[:lmax]).view(shape)


def _project(even: Tensor, odd: Tensor, t: OperandTables) -> Tensor:
    """Folded values ``(J+1, nθ, c, m)`` → features ``(D, m)``."""
    half, n_theta, _, samples = even.shape
    orders = t.legendre_project.shape[0]
    lmax = orders // 2
    rings = even.new_empty(orders, n_theta * t.channels * samples)
    torch.mm(t.sin_project, odd.reshape(half, -1), out=rings[:lmax])
    torch.mm(t.cos_project, even.reshape(half, -1), out=rings[lmax:])
    slots = torch.bmm(t.legendre_project, rings.view(orders, n_theta, -1))
    return slots.view(-1, samples).index_select(0, t.select)
