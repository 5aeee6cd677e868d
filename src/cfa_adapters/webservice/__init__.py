"""The upstream feed: the adhérents' Webservice, its files and the OPCO's stock.

- :mod:`.format`: the record format (version 1, ``format_v1.schema.json``), read and
  written with cattrs at this edge only;
- :mod:`.sources`: the sources of records, each a :class:`~cfa_domain.ports.SourceFlux`
  with a resumable cursor: a JSON Lines file, a stock CSV (reprise de stock), the
  Webservice over HTTP (:mod:`.http`);
- :mod:`.simulateur`: a small upstream service serving the same format, with faults on
  demand, for the tests and the demo;
- :mod:`.operations`: importing a file, a stock, pulling, replaying the quarantine, with
  a summary (the demo data goes through
  :func:`~cfa_adapters.webservice.operations.importer_fichier`);
- ``cfa-feed`` (:mod:`.__main__`): the command line.
"""
