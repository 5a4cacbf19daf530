"""SO(3)/O(3) numerics in one real-basis convention (see ``symc.so3.harmonics``)."""

from symc.so3.coupling import clebsch_gordan, gaunt
from symc.so3.harmonics import spherical_harmonics
from symc.so3.irreps import Irreps, from_e3nn, to_e3nn
from symc.so3.wigner import wigner_D, wigner_D_algebra

__all__ = [
    "Irreps",
    "clebsch_gordan",
    "from_e3nn",
    "gaunt",
    "spherical_harmonics",
    "to_e3nn",
    "wigner_D",
    "wigner_D_algebra",
]
