"""Deploy-time configuration drift: each process start audits what changed since the last one.

- ``recording``: the fingerprint of the effective configuration (secrets as keyed hashes), the
  difference from the last one, and ``config_drift_record``, which audits and stores it.
- ``hooks``: where each kind of process calls it (worker and beat signals, ``manage.py`` data commands).

Nothing is re-exported here: ``config/celery.py`` imports ``hooks`` before Django loads the apps,
and ``recording`` needs the models, so importing this package must not import it.
"""
