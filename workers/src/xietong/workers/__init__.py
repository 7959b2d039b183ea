"""The job workers: one handler per task type of ``xietong/task_types.py``, the case store they
record in, and China's working-day calendar for due dates.

Module map: ``calendar`` (due-date rule), ``case_store`` (cases and events on SQLite/PostgreSQL),
``handlers/`` (one module per task type, plain functions of a ``JobContext``), ``app`` (the pyzeebe
worker process), ``settings`` (``XIETONG_*`` variables), ``cli`` (``xietong workers …``).
The workers reach the engine only through Zeebe's gateway protocol, never by importing it.
"""
