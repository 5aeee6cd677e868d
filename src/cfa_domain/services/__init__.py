"""Use cases of the Plateforme CFA: one function per user action of the guide.

Each takes the deployment's :class:`~cfa_domain.services.contexte.Contexte` and typed
arguments, runs in one unit of work and commits explicitly; domain errors come out as
:mod:`cfa_domain.errors`. Use cases that only read open a read-only unit of work
(``ctx.uow(lecture_seule=True)``); those that hash or check a password do it between a
read-only unit and a short writing one (:mod:`cfa_domain.services.hachage`).
"""
