"""A Flyte `conditional` node decided natively: its compiled if/elif/else block evaluated on the values it reads.

A compiled conditional is a BranchNode whose cases compare primitive values (the outputs of earlier nodes,
bound to the branch node as variables like "n1.o0", and constants) and name the node to run when they hold;
the chosen node then runs like any other. Comparisons follow flytekit's local evaluation (plain Python
comparisons of the primitive values).
"""

from __future__ import annotations

import operator
import typing

from flytekit.core.condition import BranchNode
from flytekit.core.node import Node
from flytekit.core.promise import Promise, get_primitive_val
from flytekit.models.core.condition import BooleanExpression, ComparisonExpression, ConjunctionExpression, Operand

_COMPARE = {
    ComparisonExpression.Operator.EQ: operator.eq,
    ComparisonExpression.Operator.NEQ: operator.ne,
    ComparisonExpression.Operator.GT: operator.gt,
    ComparisonExpression.Operator.GTE: operator.ge,
    ComparisonExpression.Operator.LT: operator.lt,
    ComparisonExpression.Operator.LTE: operator.le,
}


class BranchFailed(Exception):
    """The conditional's `fail` case was taken, or no case held and there is no else."""


def case_nodes(branch: BranchNode) -> list[Node]:
    """Every node the conditional may run (they read the values the branch waits for)."""
    block = branch._ifelse_block  # flytekit keeps the compiled block private; it is the branch's whole content
    cases = [block.case, *(block.other or [])]
    return [case.then_node for case in cases if case.then_node is not None] + (
        [block.else_node] if block.else_node is not None else []
    )


def choose(branch: BranchNode, values: dict[str, Promise]) -> Node:
    """The node the first holding case names, else the else node; BranchFailed for a `fail` else."""
    block = branch._ifelse_block
    for case in [block.case, *(block.other or [])]:
        if _holds(case.condition, values):
            return case.then_node
    if block.else_node is not None:
        return block.else_node
    message = block.error.message if block.error is not None else "no case held"
    raise BranchFailed(f"conditional '{branch.name}': {message}")


def _holds(expression: BooleanExpression, values: dict[str, Promise]) -> bool:
    if expression.conjunction is not None:
        conjunction = expression.conjunction
        left = _holds(conjunction.left_expression, values)
        if conjunction.operator == ConjunctionExpression.LogicalOperator.AND:
            return left and _holds(conjunction.right_expression, values)
        return left or _holds(conjunction.right_expression, values)
    comparison = expression.comparison
    compare = _COMPARE[comparison.operator]
    return compare(_value(comparison.left_value, values), _value(comparison.right_value, values))


def _value(operand: Operand, values: dict[str, Promise]) -> typing.Any:
    if operand.var:
        literal = values[operand.var].val
        scalar = literal.scalar
        return None if scalar.none_type is not None else get_primitive_val(scalar.primitive)
    if operand.primitive is not None:
        return get_primitive_val(operand.primitive)
    return None  # a None constant
