"""SO(3)/O(3) numerics in one real-basis convention (see ``symc.so3.harmonics``)."""

from symc.so3.coupling import clebsch_gordan, gaunt
from symc.so3.harmonics import spherical_harmonics
from symc.so3.wigner import wigner_D, wigner_D_algebra

__all__ = ["clebsch_gordan", "gaunt", "spherical_harmonics", "wigner_D", "wigner_D_algebra"]
