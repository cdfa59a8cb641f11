"""This project's helpers for its step scripts (the layout Domino and Flyte projects use).

`helpers.flows` is how a script in `tasks/` reads its inputs and writes its outputs, the same way whether it runs
alone with command-line flags or as a job task in a flow. It is the toolkit's script-side API (`flowjobs.script`)
under the name this project's scripts import, so a project can add its own conventions here without touching
its scripts.
"""
