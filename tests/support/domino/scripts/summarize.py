"""A Domino script whose file input is a plain `type=str` flag: it must get the file's path, not its text."""

import argparse
import csv
import json

from flowjobs.script import get_output_location, get_param_from_args, read_input

parser = argparse.ArgumentParser()
parser.add_argument("--table", type=str)
parser.add_argument("--title", type=str)
args = parser.parse_args([])

table_path = get_param_from_args(parser, "table")
assert table_path == read_input("table", args, is_file=True), "both helpers give the file's path"
with open(table_path) as table:
    rows = list(csv.DictReader(table))
title = read_input("title", args)
with open(get_output_location("summary"), "w") as out:
    json.dump({"title": title, "rows": len(rows), "path": table_path}, out)
with open("/mnt/results/report.html", "w") as out:  # a PathConfig output: a fixed path Domino reads
    out.write(f"<h1>{title}</h1><p>{len(rows)} rows</p>")
