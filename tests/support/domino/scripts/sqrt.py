"""A square root, reading its input by the literal path Domino gives it."""

import math

with open("/workflow/inputs/value") as handle:
    value = float(handle.read())
with open("/workflow/outputs/sqrt", "w") as out:
    out.write(repr(math.sqrt(value)))
