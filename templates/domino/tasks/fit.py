"""Fit a line to the points by least squares, the way a Domino script does: literal /workflow paths."""

import csv
import json
from pathlib import Path

INPUTS, OUTPUTS = Path("/workflow/inputs"), Path("/workflow/outputs")


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The slope and intercept of the least-squares line."""
    n = len(points)
    mean_x, mean_y = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return slope, mean_y - slope * mean_x


if __name__ == "__main__":
    with (INPUTS / "data").open(newline="") as table:
        points = [(float(row["x"]), float(row["y"])) for row in csv.DictReader(table)]
    slope, intercept = fit(points)
    (OUTPUTS / "slope").write_text(str(slope))
    (OUTPUTS / "report").write_text(json.dumps({"points": len(points), "slope": slope, "intercept": intercept}))
