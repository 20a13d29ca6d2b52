"""Rate a repository on the MLOps maturity model from its files alone (no project code runs).

``repository`` lists and reads the files (I/O), ``code``, ``ci`` and ``evidence`` turn their text
into :class:`~nbprod.assess.evidence.Evidence`, ``criteria`` turns evidence into statuses, a level,
section scores and a roadmap, ``render`` prints them, ``command`` is ``nbprod assess``.
"""
