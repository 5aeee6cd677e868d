"""Web layer tests: the Litestar application and what it plugs into Litestar."""
