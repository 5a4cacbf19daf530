"""The three synthetic regression tasks of EMLP (Finzi, Welling, Wilson, ICML 2021), in numpy.

Each generator follows the closed formula and the sampling of EMLP's ``emlp/datasets.py``
(``O5Synthetic``, ``Inertia``, ``ParticleInteraction``) and returns inputs in EMLP's flat layout
``x (N, d_in)`` and targets ``y (N, d_out)``, so that errors are comparable with the paper's table.

EMLP's normalisation convention (``emlp.nn.Standardize``): the model sees ``x / x_scale`` and its
output is mapped back as ``y_std * f(x / x_scale) + y_mean``; the reported MSE is on the raw ``y``.
The scales are per vector (one number shared by a vector's components, so that scaling commutes
with the group action) and ``y_mean``/``y_std`` are used only for invariant (scalar) targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MINKOWSKI_METRIC = np.diag([1.0, -1.0, -1.0, -1.0])


@dataclass(frozen=True)
class Standardization:
    """``x_scale (d_in,)``, ``y_mean (d_out,)``, ``y_std (d_out,)``: model(x) = y_std * f(x / x_scale) + y_mean."""

    x_scale: np.ndarray
    y_mean: np.ndarray
    y_std: np.ndarray


@dataclass(frozen=True)
class RegressionData:
    """Samples of one task: ``x (N, d_in)`` in EMLP's flat layout, ``y (N, d_out)``."""

    task: str
    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return self.x.shape[0]

    def subset(self, index: slice | np.ndarray) -> RegressionData:
        return RegressionData(self.task, self.x[index], self.y[index])


def o5_invariant(num_samples: int, rng: np.random.Generator) -> RegressionData:
    """O(5)-invariant target ``sin(|x1|) - |x2|³/2 + x1·x2 / (|x1| |x2|)`` of ``x1, x2 ~ N(0, I_5)``.

    ``x (N, 10)`` is ``[x1, x2]``; ``y (N, 1)``.
    """
    x = rng.standard_normal((num_samples, 10))
    x1, x2 = x[:, :5], x[:, 5:]
    norm1 = np.linalg.norm(x1, axis=1)
    norm2 = np.linalg.norm(x2, axis=1)
    y = np.sin(norm1) - 0.5 * norm2**3 + np.einsum("ni,ni->n", x1, x2) / (norm1 * norm2)
    return RegressionData("o5_invariant", x, y[:, None])


def inertia(num_samples: int, rng: np.random.Generator, num_masses: int = 5) -> RegressionData:
    """Inertia tensor ``Σ_i m_i (|r_i|² I - r_i r_iᵀ)`` of point masses, the O(3)-equivariant task.

    Masses are ``softplus(N(0, 1))`` and positions ``N(0, I_3)``, as in EMLP.
    ``x (N, 4k)`` is ``[m_1..m_k, r_1 (3), ..., r_k (3)]``; ``y (N, 9)`` is the row-major 3×3 tensor.
    """
    k = num_masses
    x = rng.standard_normal((num_samples, 4 * k))
    x[:, :k] = np.logaddexp(0.0, x[:, :k])
    masses = x[:, :k]
    positions = x[:, k:].reshape(num_samples, k, 3)
    squared_norms = np.einsum("nki,nki->nk", positions, positions)
    outer = np.einsum("nki,nkj->nkij", positions, positions)
    per_mass = squared_norms[:, :, None, None] * np.eye(3) - outer
    tensor = np.einsum("nk,nkij->nij", masses, per_mass)
    return RegressionData("inertia", x, tensor.reshape(num_samples, 9))


def minkowski_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a·b = a_t b_t - a_x b_x - a_y b_y - a_z b_z`` over the last axis, ``(..., 4), (..., 4) -> (...)``."""
    return np.einsum("...i,ij,...j->...", a, MINKOWSKI_METRIC, b)


def particle_scattering(num_samples: int, rng: np.random.Generator) -> RegressionData:
    """Lorentz-invariant e⁻e⁺ → μ⁻μ⁺ matrix element ``|M|²`` of four momenta ``p_i ~ N(0, I_4) / 4``.

    With η = diag(1, -1, -1, -1), EMLP's unnormalised tree-level form:
    ``L_e = p1 p3ᵀ - (p1·p3 - p1·p1) η``, ``L_μ = (η p2)(η p4)ᵀ - (p2·p4 - p2·p2) η``,
    ``|M|² = 4 Σ_ab (L_e)_ab (L_μ)_ab``. ``x (N, 16)`` is ``[p1, p2, p3, p4]``; ``y (N, 1)``.
    """
    x = rng.standard_normal((num_samples, 16)) / 4
    p1, p2, p3, p4 = (x[:, 4 * i : 4 * i + 4] for i in range(4))
    eta = MINKOWSKI_METRIC
    electron = np.einsum("na,nb->nab", p1, p3) - (minkowski_dot(p1, p3) - minkowski_dot(p1, p1))[:, None, None] * eta
    lowered2, lowered4 = p2 @ eta, p4 @ eta
    muon = np.einsum("na,nb->nab", lowered2, lowered4) - (
        minkowski_dot(p2, p4) - minkowski_dot(p2, p2)
    )[:, None, None] * eta
    amplitude = 4 * np.einsum("nab,nab->n", electron, muon)
    return RegressionData("particle_scattering", x, amplitude[:, None])


GENERATORS = {
    "o5_invariant": o5_invariant,
    "inertia": inertia,
    "particle_scattering": particle_scattering,
}


def generate(task: str, num_samples: int, seed: int) -> RegressionData:
    """``num_samples`` samples of ``task`` from a fresh ``np.random.default_rng(seed)``."""
    return GENERATORS[task](num_samples, np.random.default_rng(seed))


def standardization(data: RegressionData) -> Standardization:
    """EMLP's per-task statistics, computed on ``data`` (the training split).

    - O(5): each vector divided by its RMS component; y standardised by mean and std.
    - inertia: none (EMLP sets its stats to ``0, 1, 0, 1``).
    - scattering: each 4-momentum divided by ``sqrt(mean_N mean_a |(η p)_a p_a|)``; y standardised.
    """
    n, d_in = data.x.shape
    d_out = data.y.shape[1]
    if data.task == "inertia":
        return Standardization(np.ones(d_in), np.zeros(d_out), np.ones(d_out))
    if data.task == "o5_invariant":
        vectors = data.x.reshape(n, 2, 5)
        per_vector = np.sqrt((vectors**2).mean(axis=(0, 2)))
        x_scale = np.repeat(per_vector, 5)
    elif data.task == "particle_scattering":
        momenta = data.x.reshape(n, 4, 4)
        per_vector = np.sqrt(np.abs((momenta @ MINKOWSKI_METRIC) * momenta).mean(axis=2).mean(axis=0))
        x_scale = np.repeat(per_vector, 4)
    else:
        raise KeyError(f"unknown task {data.task!r}")
    return Standardization(x_scale, data.y.mean(axis=0), data.y.std(axis=0))
