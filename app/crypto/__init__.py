"""Field-level encryption and blind indexes for health data (pure: no database, no HTTP).

Layers, bottom up: ``aead`` seals one value bound to its place (practice, table, column, row);
``keys`` holds the master key behind a small provider interface; ``keyring`` holds a practice's
wrapped data keys and index key; ``blind_index`` and ``normalise`` make equality search possible
without decryption. ``docs/security.md`` explains the whole design.
"""
