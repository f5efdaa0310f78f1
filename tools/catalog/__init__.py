"""The catalog builder: Akamai's OpenAPI specs -> `alecs/catalog/data/` (run `make catalog`)."""
