"""cfa_adapters: implementations of the ports of :mod:`cfa_domain` (SQL, mail, PDF, files, feed)."""
