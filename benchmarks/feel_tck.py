"""Print the DMN TCK report for FEEL (all FEEL cases and Camunda's passing subset) with failures."""

from __future__ import annotations

import sys

from xietong.feel.tck import main

if __name__ == "__main__":
    sys.exit(main([*sys.argv[1:], "--failures"]))
