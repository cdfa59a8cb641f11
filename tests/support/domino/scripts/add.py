"""Adds two numbers the way a Domino script does: literal /workflow paths, no helpers."""

with open("/workflow/inputs/first_value") as first_file, open("/workflow/inputs/second_value") as second_file:
    first, second = int(first_file.read()), int(second_file.read())
with open("/workflow/outputs/sum", "w") as out:
    out.write(str(first + second))
