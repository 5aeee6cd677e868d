"""cfa_domain: the framework-free core of the Plateforme CFA.

Aggregates (:mod:`~cfa_domain.organisme`, :mod:`~cfa_domain.compte`,
:mod:`~cfa_domain.action`, :mod:`~cfa_domain.remboursement`), the payment schedule
(:mod:`~cfa_domain.echeancier`), the ports the adapters implement (:mod:`~cfa_domain.ports`)
and the use cases (:mod:`~cfa_domain.services`). It imports only the standard library,
attrs and python-stdnum.
"""
