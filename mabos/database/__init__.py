"""Django database backends of MABOS (``ENGINE = "mabos.database.postgresql"`` for the web's pooled connections)."""
