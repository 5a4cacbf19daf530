"""Runtime support below every numeric floor (it imports only ``symc.paths`` and ``symc.errors``).

The torch-only runtime that standalone modules embed, the CPU allocator setting, and the disk cache of
solved bases and Clebsch–Gordan tensors.
"""
