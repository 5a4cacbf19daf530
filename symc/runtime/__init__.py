"""Runtime support with no symc dependencies: the torch-only runtime that standalone modules embed, and the CPU allocator setting."""
