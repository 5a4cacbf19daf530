"""Runtime support with no symc dependencies.

The torch-only runtime that standalone modules embed, and the CPU allocator setting.
"""
