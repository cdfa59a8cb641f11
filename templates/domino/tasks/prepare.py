"""Make points on the line y = 3x + 1 with noise, the way a Domino script does: literal /workflow paths."""

import csv
import random
from pathlib import Path

INPUTS, OUTPUTS = Path("/workflow/inputs"), Path("/workflow/outputs")


def points(rows: int, seed: int) -> list[tuple[float, float]]:
    generator = random.Random(seed)
    return [(x, 3 * x + 1 + generator.gauss(0, 0.5)) for x in (generator.uniform(0, 10) for _ in range(rows))]


if __name__ == "__main__":
    rows, seed = int((INPUTS / "rows").read_text()), int((INPUTS / "seed").read_text())
    with (OUTPUTS / "data").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["x", "y"])
        writer.writerows(points(rows, seed))
