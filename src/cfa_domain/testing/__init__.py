"""Public test kit of ``cfa_domain``, for embedders and domain experts.

Writing a property-based test of an OPCO rule should not start with hand-crafting valid
SIRETs and NIRs. This package ships what such tests need:

- :mod:`cfa_domain.testing.strategies`: Hypothesis strategies drawing values and
  aggregates that are valid by construction (amounts, dates, periods, SIRET, NIR, UAI,
  N° DA, DECA numbers; organismes, contracts by payment regime, files in any state,
  request amounts, schedule parameters and schedules), with keyword parameters to aim at
  the cases under test (``sirets(la_poste=True)``, ``actions(etat=EtatDossier.ROMPU)``,
  ``contrats(regime=Regime.REGIME_2025_07)``);
- :mod:`cfa_domain.testing.exemples`: ready-made valid aggregates for example tests;
- :mod:`cfa_domain.testing.cas_d_usage`: every public use case, for suites that must call
  each one (a fuzz suite, a check that each one validates its inputs);
- :mod:`cfa_domain.testing.fakes`: in-memory fakes of every port, and
  :func:`~cfa_domain.testing.fakes.memoire` which wires them into a ready
  :class:`~cfa_domain.services.contexte.Contexte`, so that use cases run in a unit test
  exactly as they run on a database (the fakes pass the adapters' contract suite).

The strategies need Hypothesis, an optional dependency (``pip install
cfa-platform[testing]``); the fakes do not. The rest of ``cfa_domain`` never imports this
package.

Example::

    from hypothesis import given
    from cfa_domain.testing import strategies as cst
    from cfa_domain.values import Montant, Siret

    @given(cst.sirets(), cst.montants(max_value=Montant("500")))
    def test_something(siret: str, montant: Montant) -> None:
        assert Siret(siret).siren == siret[:9]
"""

from __future__ import annotations
