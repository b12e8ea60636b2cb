"""Suite definitions, one module per source family or mart layer (cheap to import: no GX here)."""
