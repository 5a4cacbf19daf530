"""``method tensor_product``: SO(3)/O(3) message passing with Clebsch–Gordan / Gaunt tensor products."""
