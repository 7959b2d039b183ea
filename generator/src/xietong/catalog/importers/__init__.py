"""Importers: source documents (text) in, catalog proposals (typed records) out.

See :mod:`xietong.catalog.importers.base` for the interface and registry, and
:mod:`xietong.catalog.importers.text` for the shared text utilities.
"""
