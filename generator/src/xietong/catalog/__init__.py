"""The catalog: the reviewed YAML under config/ as typed, validated records.

- :mod:`~xietong.catalog.model` — the pydantic model (departments, roles, mechanisms, procedures,
  deadlines, policies, duty lists);
- :mod:`~xietong.catalog.registry` — per-jurisdiction department registries and role spellings;
- :mod:`~xietong.catalog.loader` — ``load_catalog(config_dir) -> (Catalog, errors)``;
- :mod:`~xietong.catalog.importing` — importer proposals compared with the reviewed catalog;
- :mod:`~xietong.catalog.duties` — routing a matter against a town's duty lists;
- :mod:`~xietong.catalog.render` — ``catalog list``/``show`` text and the JSON export.
"""
