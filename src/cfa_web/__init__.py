"""cfa_web: the Litestar application that wires the adapters to the use cases (to come)."""
