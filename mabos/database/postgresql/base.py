"""Django's PostgreSQL backend, with a connection pool that checks a connection without a round trip.

Django builds the psycopg pool itself and gives it psycopg_pool's check, an empty query before every
loan (``CONN_HEALTH_CHECKS``), or none; there is no setting for another. This backend builds the same
pool, with the same arguments, and ``mabos.resilience.connection_check.pool_check``: a killed connection
is still never lent, and a quiet one costs no round trip (docs/benchmarks.md, (c)). Web processes use
it (config/settings/database.py); everything else about the backend is Django's.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base

from mabos.resilience.connection_check import pool_check


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> Any:
        options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not options or self.alias in self._connection_pools:
            return super().pool
        if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
            raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
        from psycopg_pool import ConnectionPool

        kwargs = {**self.get_connection_params(), "autocommit": True}  # Django sets autocommit later on
        pool = ConnectionPool(kwargs=kwargs, open=False, configure=self._configure_connection, check=pool_check,
                              **({} if options is True else options))
        # As Django's: threads racing at start-up each build one, and the first stored wins.
        self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]
