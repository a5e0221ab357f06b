"""How the admin shows a value a person reads: dates relative to now with the UTC time on hover
(``dates.py``), long JSON folded (``folding.py``), and the one place both reach every admin list column and
read-only field (``admin_values.py``, installed by the admin's app config)."""
