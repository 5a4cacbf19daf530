"""``method basis``: stacked equivariant linear layers and nonlinearities, and its standalone code generator."""
