"""Resource bounds for untrusted expressions (they arrive in deployed models).

Every bound fails with a FeelSyntaxError/FeelEvaluationError that names it, never a hang or a crash.
"""

MAX_SOURCE_LENGTH = 100_000  # characters of expression text
MAX_NUMBER_DIGITS = 1_000  # characters of one number literal
MAX_NESTING = 40  # parenthesised / bracketed nesting while parsing
MAX_TREE_DEPTH = 200  # depth of the syntax tree (bounds evaluation recursion)
MAX_STEPS = 500_000  # loop iterations, filtered items and sort comparisons per evaluation
MAX_FOR_ITEMS = 100_000  # items of one numeric `for` range (`for i in 1..n`)
MAX_CALL_DEPTH = 64  # nested user-defined function calls
MAX_STRING_LENGTH = 10_000_000  # characters of a string built during evaluation
MAX_LIST_LENGTH = 1_000_000  # items of a list built by list functions
REGEX_TIMEOUT_SECONDS = 0.25  # per `matches`/`replace`/`split`/`extract` call
MAX_PATTERN_LENGTH = 10_000
