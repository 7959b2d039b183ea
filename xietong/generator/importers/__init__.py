"""Importers: source documents (text) in, catalog proposals (typed records) out.

See :mod:`xietong.generator.importers.base` for the interface and registry, and
:mod:`xietong.generator.importers.text` for the shared text utilities.
"""
