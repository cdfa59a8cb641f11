"""The Iris multi-train application on top of the toolkit: its branches (model specs), the champion rules of its
registered model, the comparison of its executions, and its `flowjobs` subcommands (`champion`, `compare`),
registered through the `flowjobs.commands` entry point group. The toolkit (helpers/) never imports it."""
