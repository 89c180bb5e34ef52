"""Query and system routes: bind parameters, call analytics, shape JSON; no SQL here."""
