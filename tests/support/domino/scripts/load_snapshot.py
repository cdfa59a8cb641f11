"""Reads a dataset snapshot where Domino mounts it, /mnt/data/<dataset>/, and writes a table output."""

import csv
from pathlib import Path

species = Path("/workflow/inputs/species").read_text()
with Path("/mnt/data/iris/datasetA.csv").open() as snapshot:
    rows = list(csv.DictReader(snapshot))
keep = [row for row in rows if row["Species"] == species]
with open("/workflow/outputs/table", "w", newline="") as out:
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(keep)
