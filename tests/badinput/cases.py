"""The bad-input table: for every flag of every task script, the bad values it must refuse with one line.

A case runs one script with good values for every flag but the one under test (`GOOD`), which gets a bad value.
Expected is a regex the script's single stderr line must match after `error: <script>.py: ` (None: the value is
fine and the script must succeed, e.g. a 1-row file where one row is enough), and the exit code: 1 for a value
the script refuses, 2 for one argparse refuses. In values and expectations `{name}` is a prepared file or value
(tests/badinput/files.py); in expectations `{file}` is the flag's bad file itself, and every placeholder's text is
matched literally.

`WORKFLOW_INPUTS` maps each input of the three flows to the script flag it reaches, so that a new workflow input,
like a new flag, fails the completeness test until it has cases.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from multitrain.model_specs import RunSettings

MB_LIMIT = r"is 1,074 MB, above the limit of 256 MB \(FLOWJOBS_MAX_DATA_MB\)"


@dataclass(frozen=True)
class Case:
    script: str  # a script in tasks/, without .py
    flag: str  # the flag under test
    kind: str  # what is wrong with the value
    value: tuple[str, ...]  # the flag's values; () gives the flag with no value
    expected: str | None  # regex of the error after "error: <script>.py: "; None: the script succeeds
    code: int = 1
    without: tuple[str, ...] = ()  # good flags left out for this case

    @property
    def id(self) -> str:
        return f"{self.script} {self.flag} {self.kind}"


def cases(script: str, flag: str, rows: dict[str, tuple[str | tuple[str, ...], str | None] | tuple]) -> list[Case]:
    """Cases of one flag: kind → (value, expected[, exit code])."""
    made = []
    for kind, (value, expected, *code) in rows.items():
        values = (value,) if isinstance(value, str) else value
        if code == [2]:
            expected += rf" \(see {script}\.py --help\)"
        made.append(Case(script, flag, kind, values, expected, *code))
    return made


# --- data files ------------------------------------------------------------------------------------------------

OVERRIDABLE = {"one_row": "1 row", "missing_column": "missing column", "nan": "NaN", "duplicate_id": "duplicate Id"}
OVERRIDABLE |= {"no_id": "missing Id"}


def csv_cases(script: str, flag: str, label: str = "{file}", **expected: str | None) -> list[Case]:
    """The bad data files, each refused naming the file (or the input `label`); `expected` overrides by kind, in
    snake case (one_row="…": one row is too few for this flag; by default it is enough)."""
    rows = {
        "missing file": ("{missing}", r"data file {file} does not exist"),
        "empty": ("{empty}", r"data file {file} is empty"),
        "non-UTF-8": ("{non_utf8}", r"data file {file} is not UTF-8 text"),
        "0 rows": ("{header_only}", r"data file {file} has a header but no rows"),
        "1 GB": ("{huge}", rf"data file {{file}} {MB_LIMIT}"),
        "missing Id": ("{no_id}", r"data file {file} has no column 'Id' \(columns: SepalLengthCm, .*\)"),
        "missing column": ("{no_feature}", rf"{label}: missing column 'PetalWidthCm'"),
        "NaN": ("{nan}", rf"{label}: column 'SepalWidthCm', row 2 \(Id \d+\): is missing"),
        "duplicate Id": ("{duplicate_id}", rf"{label}: column 'Id', row 2 \(Id \d+\): duplicate Id"),
        "1 row": ("{one_row}", None),
    }
    for key, pattern in expected.items():
        kind = OVERRIDABLE[key]
        rows[kind] = (rows[kind][0], pattern)
    return cases(script, flag, rows)


def too_few(why: str, least: int) -> str:
    """The 1-row file holds one Iris-setosa: too few setosa when several of each are needed, else no versicolor."""
    species, found = ("setosa", 1) if least > 1 else ("versicolor", 0)
    return rf"{why} needs at least {least} rows of each species, 'Iris-{species}' has {found}"


HELD_OUT = too_few("the held-out metrics", 1)


def class_too_small(why: str, least: int) -> str:
    """The same 1-row file read as a step's rows of any table (tasks/table.py): the first class short of `least`."""
    species, found = ("setosa", 1) if least > 1 else ("versicolor", 0)
    return rf"column 'Species': class 'Iris-{species}' has {found} rows, {why} needs at least {least}"


ROWS_OF_A_TABLE = {"nan": None, "duplicate_id": None, "no_id": None}  # imputed in the model; Id is no feature
LOADED_AS_IS = {"missing_column": None, "nan": None, "duplicate_id": None}  # load checks no schema

# --- flags of the flow settings (helpers/model_specs.RunSettings) ----------------------------------------------


def int_setting(script: str, name: str, without: tuple[str, ...] = ()) -> list[Case]:
    flag, limit = f"--{name.replace('_', '-')}", _upper_bound(name)
    rows = {
        "wrong type": ("ten", rf"argument {flag}: invalid int value: 'ten'", 2),
        "empty": ("", rf"argument {flag}: invalid int value: ''", 2),
        "negative": ("-5", rf"input '{name}': Input should be greater than 0 \(got -5\)"),
        "huge": ("1" + "0" * 30, rf"input '{name}': Input should be less than or equal to {limit} \(got 1000+\)"),
    }
    return [dataclasses.replace(case, without=without) for case in cases(script, flag, rows)]


def _upper_bound(name: str) -> int:
    return next(rule.le for rule in RunSettings.model_fields[name].metadata if getattr(rule, "le", None) is not None)


def str_setting(script: str, name: str, without: tuple[str, ...] = ()) -> list[Case]:
    flag = f"--{name.replace('_', '-')}"
    rows = {
        "empty": ("", rf"input '{name}': String should have at least 1 character \(got ''\)"),
        "huge": ("m" * 300, rf"input '{name}': String should have at most 250 characters \(got 'mmm+'\)"),
    }
    return [dataclasses.replace(case, without=without) for case in cases(script, flag, rows)]


def named(script: str, name: str) -> list[Case]:
    """A name prepare_data may leave empty (then it is the data's, or Iris's default), but not too long."""
    return [case for case in str_setting(script, name) if case.kind != "empty"]


def metric_setting(script: str) -> list[Case]:
    unknown = r"input 'ranking_metric': unknown ranking metric; known: auc, log_loss, f1, precision, recall"
    rows = {"unknown": ("accuracy", unknown + r" \(got 'accuracy'\)"), "empty": ("", unknown + r" \(got ''\)")}
    return cases(script, "--ranking-metric", rows)


def c_grid(script: str) -> list[Case]:
    return cases(
        script,
        "--c-grid",
        {
            "wrong type": ("ten", r"argument --c-grid: invalid float value: 'ten'", 2),
            "empty": ((), r"argument --c-grid: expected at least one argument", 2),
            "negative": (("1", "-1"), r"input 'c_grid': every C must be positive \(got \[1\.0, -1\.0\]\)"),
            "huge": ("1e400", r"input 'c_grid': every C must be a finite number \(got \[inf\]\)"),
            "NaN": ("nan", r"input 'c_grid': every C must be a finite number \(got \[nan\]\)"),
        },
    )


def output_dir(script: str) -> list[Case]:
    """Where a script run alone writes: refused before any work when it cannot be a folder."""
    could_not = r"output folder {where} cannot be used: "
    return cases(
        script,
        "--output-dir",
        {
            "a file": ("{a_file}", could_not.format(where=r"{a_file}") + r"it is a file"),
            "huge": ("o" * 300, could_not.format(where="o{300}") + r"File name too long"),
        },
    )


# --- the scripts ---------------------------------------------------------------------------------------------

BRANCHES = {
    "train_logreg": ("c_grid", "max_iter"),
    "train_random_forest": ("n_estimators", "max_depth"),
    "train_xgboost": ("n_estimators", "max_depth"),
    "train_h2o_automl": ("h2o_max_models", "h2o_max_runtime_secs"),
}
SETTINGS = tuple(RunSettings.model_fields)
TABLE_INPUTS = ("data", "target", "id_columns", "holdout_share", "split_column")
JUDGING = ("compare_models", "promote_champion")

GOOD: dict[str, dict[str, tuple[str, ...]]] = {
    "load_data": {"--data-path": ("{A}",)},
    "merge_data": {"--data-a": ("{A}",), "--data-b": ("{B}",)},
    "process_data": {"--merged-data": ("{A}",)},
    "train_model": {"--processed-data": ("{A_B}",), "--num-estimators": ("5",)},
    "predict": {"--data": ("{D}",), "--model-name": ("{model}",)},
    "prepare_data": {"--iris": ("{iris}",), "--model-name": ("{model}",), "--experiment-name": ("{experiment}",)},
    "compare_models": {"--results": ("{result}",), "--holdout": ("{holdout}",), "--parent-run-id": ("{parent}",)},
    "promote_champion": {"--winner-version": ("1",), "--holdout": ("{holdout}",), "--parent-run-id": ("{parent}",)},
    **{branch: {"--train": ("{train}",), "--holdout": ("{holdout}",)} for branch in BRANCHES},
}
for judging in JUDGING:
    GOOD[judging]["--model-name"] = ("{model}",)
for branch in BRANCHES:
    GOOD[branch] |= {"--parent-run-id": ("{parent}",), "--model-name": ("{model}",)}

NOT_A_TABLE = r"input 'table': not a table description \(.*\)"
NOT_A_BOOLEAN = r"argument {flag}: invalid boolean value: 'maybe'"
NEEDS_DATA = r"input '{name}': give the data it is a column of \(input 'data'\); without it: Iris"
ALONE = ("--parent-run-id",)  # a branch run alone (no parent run) checks its experiment name
NO_RUN = r"input 'parent_run_id': there is no MLflow run '{run}' in .*"
NOT_A_NAME = r"input '{name}': {value} is not a file name"


def branch_cases(script: str) -> list[Case]:
    made = [
        *csv_cases(
            script, "--train", "train {file}", one_row="train: " + class_too_small("5-fold CV", 5), **ROWS_OF_A_TABLE
        ),
        *csv_cases(
            script,
            "--holdout",
            "holdout {file}",
            one_row="holdout: " + class_too_small("the held-out metrics", 1),
            **ROWS_OF_A_TABLE,
        ),
        *cases(
            script,
            "--branch",
            {
                "empty": ("", r"input 'branch': '' is not a name \(letters, digits, _; at most 100\)"),
                "huge": ("b" * 300, r"input 'branch': 'bbb+' is not a name \(letters, digits, _; at most 100\)"),
                "not a name": ("a/b", r"input 'branch': 'a/b' is not a name \(letters, digits, _; at most 100\)"),
            },
        ),
        *cases(
            script,
            "--params",
            {
                "wrong type": ("[1, 2]", r"input 'params': expected a JSON object, got \[1, 2\]"),
                "empty": ("", r"argument --params: invalid loads value: ''", 2),
                "not JSON": ("{", r"argument --params: invalid loads value: '\{'", 2),
            },
        ),
        *cases(script, "--parent-run-id", {"unknown": ("0123456789abcdef", NO_RUN.format(run="0123456789abcdef"))}),
        *cases(
            script,
            "--model-file",
            {
                "empty": ("", NOT_A_NAME.format(name="model_file", value="''")),
                "outside": ("../../escape.pkl", NOT_A_NAME.format(name="model_file", value=r"'\.\./\.\./escape\.pkl'")),
                "huge": ("f" * 300, NOT_A_NAME.format(name="model_file", value="'fff+'")),
            },
        ),
        *str_setting(script, "experiment_name", without=ALONE),
        *str_setting(script, "model_name"),
        *metric_setting(script),
        *output_dir(script),
        *cases(script, "--table", {"not JSON": ("{", NOT_A_TABLE), "wrong type": ('{"name": 1}', NOT_A_TABLE)}),
        *cases(script, "--register", {"wrong type": ("maybe", NOT_A_BOOLEAN.format(flag="--register"), 2)}),
        *cases(script, "--retrain", {"wrong type": ("maybe", NOT_A_BOOLEAN.format(flag="--retrain"), 2)}),
    ]
    for setting in BRANCHES[script]:
        made += c_grid(script) if setting == "c_grid" else int_setting(script, setting)
    return made


def prepare_cases() -> list[Case]:
    made = [_in_data_folder(case) for case in csv_cases("prepare_data", "--iris", one_row=r"{file}: " + HELD_OUT)]
    made += [
        *cases(
            "prepare_data",
            "--train-partitions",
            {
                "empty": ((), r"argument --train-partitions: expected at least one argument", 2),
                "outside": (
                    ("datasetA.csv", "../x.csv"),
                    NOT_A_NAME.format(name="train_partitions", value=r"'\.\./x\.csv'"),
                ),
                "unknown": ("datasetZ.csv", r"data file {iris}/datasetZ\.csv does not exist"),
                "also held out": ("datasetD.csv", r"partition datasetD\.csv cannot be both trained on and held out"),
            },
        ),
        *cases(
            "prepare_data",
            "--holdout-partition",
            {
                "empty": ("", NOT_A_NAME.format(name="holdout_partition", value="''")),
                "outside": (
                    "../datasetD.csv",
                    NOT_A_NAME.format(name="holdout_partition", value=r"'\.\./datasetD\.csv'"),
                ),
                "unknown": ("datasetZ.csv", r"data file {iris}/datasetZ\.csv does not exist"),
            },
        ),
        *named("prepare_data", "experiment_name"),
        *named("prepare_data", "model_name"),
        *metric_setting("prepare_data"),
        *c_grid("prepare_data"),
        *output_dir("prepare_data"),
        *cases("prepare_data", "--data", {"missing file": ("{missing}", r"data file {file} does not exist")}),
        *cases("prepare_data", "--data", {"non-UTF-8": ("{non_utf8}", r"data file {file} is not a table: .*")}),
        *cases("prepare_data", "--data", {"0 rows": ("{header_only}", r"data file {file} has a header but no rows")}),
        *cases("prepare_data", "--data", {"unknown snapshot": ("nope@1", r"input 'data': unknown dataset snapshot.*")}),
        *cases("prepare_data", "--target", {"without data": ("label", NEEDS_DATA.format(name="target"))}),
        *cases("prepare_data", "--id-columns", {"without data": ("Id", NEEDS_DATA.format(name="id_columns"))}),
        *cases("prepare_data", "--split-column", {"without data": ("split", NEEDS_DATA.format(name="split_column"))}),
        *cases(
            "prepare_data",
            "--holdout-share",
            {
                "wrong type": ("half", r"argument --holdout-share: invalid float value: 'half'", 2),
                "negative": ("-0.5", r"input 'holdout_share': a share between 0 and 1 of the rows, got -0\.5"),
                "huge": ("1.5", r"input 'holdout_share': a share between 0 and 1 of the rows, got 1\.5"),
            },
        ),
    ]
    for name in ("max_iter", "n_estimators", "max_depth", "h2o_max_models", "h2o_max_runtime_secs"):
        made += int_setting("prepare_data", name)
    return made


def _in_data_folder(case: Case) -> Case:
    """A bad-file case of `--iris`: a copy of the data folder whose partition D is that bad file."""
    folder = "{iris_" + case.value[0].strip("{}") + "}"
    return dataclasses.replace(
        case, value=(folder,), expected=case.expected.replace("{file}", f"{folder}/datasetD.csv")
    )


def judging_cases(script: str) -> list[Case]:
    made = [
        *csv_cases(
            script,
            "--holdout",
            "holdout {file}",
            one_row=r"{file}: " + class_too_small("the held-out metrics", 1),
            **ROWS_OF_A_TABLE,
        ),
        *cases(script, "--parent-run-id", {"unknown": ("0123456789abcdef", NO_RUN.format(run="0123456789abcdef"))}),
        *cases(script, "--parent-run-id", {"empty": ("", NO_RUN.format(run=""))}),
        *str_setting(script, "model_name"),
        *metric_setting(script),
        *output_dir(script),
        *cases(script, "--table", {"not JSON": ("{", NOT_A_TABLE)}),
    ]
    if script == "compare_models":
        not_result = r"input 'results': {file} is not a branch result"
        made += cases(
            script,
            "--results",
            {
                "missing file": ("{missing}", not_result + r" \(\[Errno 2\] No such file or directory: .*\)"),
                "empty": ("{empty}", not_result + r" \(1 validation error for BranchResult\)"),
                "not JSON": ("{not_json}", not_result + r" \(1 validation error for BranchResult\)"),
                "wrong type": ("{not_result}", not_result + r" \(5 validation errors for BranchResult\)"),
                "1 GB": ("{huge}", rf"input 'results': {{file}} {MB_LIMIT}"),
                "none": ((), r"argument --results: expected at least one argument", 2),
            },
        )
    else:
        no_version = r"input 'winner_version': registered model '{model}' has no version {value}"
        made += cases(
            script,
            "--winner-version",
            {
                "wrong type": ("one", no_version.format(model="{model}", value="'one'")),
                "empty": ("", no_version.format(model="{model}", value="''")),
                "negative": ("-1", no_version.format(model="{model}", value="'-1'")),
                "huge": ("9" * 30, no_version.format(model="{model}", value="'9+'")),
            },
        )
    return made


def merged(which: str) -> dict[str, str]:
    """What merging partition A with a bad copy of A says, beyond what reading a file says."""
    return {
        "missing_column": r"the partitions have different columns: \[.*\] vs \[.*\]",
        "duplicate_id": rf"Id \d+ appears twice in the {which} partition",
    }


def all_cases() -> list[Case]:
    made = [
        *csv_cases("load_data", "--data-path", **LOADED_AS_IS),
        *output_dir("load_data"),
        *csv_cases("merge_data", "--data-a", nan=None, **merged("first")),
        *csv_cases(
            "merge_data", "--data-b", nan=r"Id \d+ has different values in the two partitions", **merged("second")
        ),
        *output_dir("merge_data"),
        *csv_cases("process_data", "--merged-data"),
        *output_dir("process_data"),
        *csv_cases("train_model", "--processed-data", one_row=r"{file}: " + too_few("an 80/20 split", 5)),
        *cases(
            "train_model",
            "--num-estimators",
            {
                "wrong type": ("ten", r"argument --num-estimators: invalid int value: 'ten'", 2),
                "empty": ("", r"argument --num-estimators: invalid int value: ''", 2),
                "negative": ("-5", r"num_estimators must be at least 1, got -5"),
                "huge": ("1" + "0" * 30, r"num_estimators must be at most 10000, got 1000+"),
            },
        ),
        *output_dir("train_model"),
        *csv_cases("predict", "--data", nan=r"{file}: column 'SepalWidthCm', row 2: is missing"),
        *str_setting("predict", "model_name"),
        *cases(
            "predict", "--model-name", {"unknown": ("no-such-model", r"there is no registered model 'no-such-model'.*")}
        ),
        *output_dir("predict"),
        *prepare_cases(),
    ]
    for script in JUDGING:
        made += judging_cases(script)
    for script in BRANCHES:
        made += branch_cases(script)
    return made


CASES = all_cases()

WORKFLOW_INPUTS: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("flows/sample_flow.py", "model_training"): {
        "data_path_a": ("load_data", "--data-path"),
        "data_path_b": ("load_data", "--data-path"),
        "num_estimators": ("train_model", "--num-estimators"),
    },
    ("flows/multitrain_flow.py", "model_training_pipeline"): {
        **{name: ("prepare_data", f"--{name.replace('_', '-')}") for name in SETTINGS},
        **{name: ("prepare_data", f"--{name.replace('_', '-')}") for name in TABLE_INPUTS},
        "retrain": ("train_logreg", "--retrain"),
    },
    ("flows/batch_predict_flow.py", "batch_predict"): {
        "data": ("predict", "--data"),
        "model_name": ("predict", "--model-name"),
    },
}
