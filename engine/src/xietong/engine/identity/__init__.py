"""Who may use the engine: people, groups, roles and machine clients, kept in the engine's database.

``store`` keeps them (argon2id password hashes, token digests), ``authentication`` turns an
``Authorization`` header into a :class:`~xietong.engine.identity.principal.Principal`, ``rules`` is
the one table saying which role may call which REST endpoint or gRPC RPC, and ``visibility`` decides
which tasks and cases a principal may see. The gateway's REST and gRPC layers enforce all of it.
"""
