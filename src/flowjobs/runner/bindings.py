"""A node's inputs resolved from the outputs of the nodes it reads, attribute paths included.

flytekit's `get_promise` hands over an upstream output whole; a binding made from `items[0]`, `d["key"]` or
`obj.field` (nested too) carries an attribute path that `pyflyte run` resolves when the task converts its
inputs. Here the path is resolved as the binding is read, with flytekit's own resolver, so every kind of node
(a subworkflow's input, a conditional's operand, a node in a worker process) receives the picked value.
"""

from __future__ import annotations

from flytekit.core.node import Node
from flytekit.core.promise import Promise, resolve_attr_path_in_promise
from flytekit.models import literals as literal_models
from flytekit.utils.asyn import loop_manager

Outputs = dict[Node, dict[str, Promise]]


def get_promise(binding: literal_models.BindingData, outputs: Outputs) -> Promise:
    """The value a binding names: an upstream output (with its attribute path applied), a constant, a list, a map."""
    if binding.promise is not None:
        found = outputs[binding.promise.node][binding.promise.var]
        path = binding.promise.attr_path
        if not path:
            return found
        picked = Promise(found.var, found.val)
        picked._attr_path = list(path)  # flytekit's resolver reads the path from the promise
        resolved = loop_manager.run_sync(resolve_attr_path_in_promise, picked)
        return Promise(found.var, resolved.val)  # without the path: it is applied
    if binding.collection is not None:
        literals = [get_promise(item, outputs).val for item in binding.collection.bindings]
        return Promise("placeholder", literal_models.Literal(collection=literal_models.LiteralCollection(literals)))
    if binding.map is not None:
        literals = {key: get_promise(item, outputs).val for key, item in binding.map.bindings.items()}
        return Promise("placeholder", literal_models.Literal(map=literal_models.LiteralMap(literals)))
    if binding.scalar is not None:
        return Promise("placeholder", literal_models.Literal(scalar=binding.scalar))
    raise ValueError(f"binding of an unknown kind: {binding}")


def get_promise_map(bindings: list[literal_models.Binding], outputs: Outputs) -> dict[str, Promise]:
    return {binding.var: get_promise(binding.binding, outputs) for binding in bindings}
