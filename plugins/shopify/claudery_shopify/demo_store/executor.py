"""A small, fast GraphQL executor over the demo store's node dicts, with Shopify's query cost.

graphql-core parses, validates and coerces (so errors are real GraphQL errors); this module then runs the
validated operation itself. A compiled plan (fields collected per concrete type, fragments resolved) is
cached per query text, and resolving a field is a dict lookup: a 250-product page with nested variants
and media is tens of thousands of fields, which graphql-core's general executor would take far longer
to resolve than the 100 ms budget.

Cost (shopify-api.md §4.3): scalars and enums 0, objects 1, ``pageInfo``/edges/connections themselves 0,
a connection ``2 + floor(2 ln max(first, 2)) x (cost of one node with its children)`` (the fitted formula;
"linear" = ``2 + first x node``), a list of objects 1 + one element, abstract types the maximum over their
possible types, mutations 10, ``productsCount`` a defined 10. The actual cost applies the same rules to
what was returned (a connection with ``n`` rows counts ``n`` and its costliest row; an empty one costs 2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.values import get_argument_values, get_directive_values
from graphql.language import get_location
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

from claudery_shopify.demo_store.errors import FieldError, access_denied, entry

LEAF, OBJECT, CONNECTION, TYPENAME, INTROSPECTION = 0, 1, 2, 3, 4
FREE_TYPES = ("PageInfo",)
DEFINED_COSTS = {("QueryRoot", "productsCount"): 10, ("QueryRoot", "productVariantsCount"): 10}
MUTATION_COST = 10


class FieldPlan:
    """One response key of a selection set, compiled."""

    __slots__ = (
        "concrete",
        "defined_cost",
        "field_def",
        "has_args",
        "is_list",
        "key",
        "kind",
        "name",
        "node",
        "object_cost",
        "parent",
        "sub",
    )

    def __init__(self, key: str, name: str, node: FieldNode, parent: str) -> None:
        self.key, self.name, self.node, self.parent = key, name, node, parent
        self.field_def: Any = None
        self.has_args = bool(node.arguments)
        self.kind = TYPENAME
        self.is_list = False
        self.sub: dict[str, list[FieldPlan]] = {}
        self.concrete: str | None = None  #: the object type name when the field's type is not abstract
        self.object_cost = 1
        self.defined_cost: int | None = DEFINED_COSTS.get((parent, name))


class Compiler:
    """Collects fields per concrete type (fragments, inline fragments, @include/@skip) into plans."""

    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def _applies(self, condition: str | None, obj: GraphQLObjectType) -> bool:
        if condition is None or condition == obj.name:
            return True
        cond_type = self.schema.get_type(condition)
        return (
            cond_type is not None and is_abstract_type(cond_type) and self.schema.is_sub_type(cond_type, obj)
        )  # type: ignore[arg-type]

    def _include(self, node: Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if"):
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and not include.get("if"))

    def _collect(
        self,
        sets: list[SelectionSetNode],
        obj: GraphQLObjectType,
        out: dict[str, list[FieldNode]],
        seen: set[str],
    ) -> None:
        for sel_set in sets:
            for sel in sel_set.selections:
                if not self._include(sel):
                    continue
                if isinstance(sel, FieldNode):
                    out.setdefault(sel.alias.value if sel.alias else sel.name.value, []).append(sel)
                elif isinstance(sel, InlineFragmentNode):
                    cond = sel.type_condition.name.value if sel.type_condition else None
                    if self._applies(cond, obj):
                        self._collect([sel.selection_set], obj, out, seen)
                elif isinstance(sel, FragmentSpreadNode):
                    frag = self.fragments.get(sel.name.value)
                    if (
                        frag is not None
                        and sel.name.value not in seen
                        and self._applies(frag.type_condition.name.value, obj)
                    ):
                        self._collect([frag.selection_set], obj, out, seen | {sel.name.value})

    def plans(self, sets: list[SelectionSetNode], type_: Any) -> dict[str, list[FieldPlan]]:
        """Plans for a selection on ``type_``, one list per possible concrete type."""
        concrete = self.schema.get_possible_types(type_) if is_abstract_type(type_) else [type_]
        return {obj.name: self.fields(sets, obj) for obj in concrete}

    def fields(self, sets: list[SelectionSetNode], obj: GraphQLObjectType) -> list[FieldPlan]:
        """Plans for a selection on one object type."""
        collected: dict[str, list[FieldNode]] = {}
        self._collect(sets, obj, collected, set())
        out = []
        for key, nodes in collected.items():
            name = nodes[0].name.value
            plan = FieldPlan(key, name, nodes[0], obj.name)
            if name.startswith("__") and name != "__typename":
                plan.kind = INTROSPECTION  # __schema / __type: answered by graphql-core (see app.py)
            elif name != "__typename":
                field_def = obj.fields[name]
                plan.field_def = field_def
                gtype = field_def.type
                if is_non_null_type(gtype):
                    gtype = gtype.of_type
                plan.is_list = is_list_type(gtype)
                named = get_named_type(gtype)
                if is_leaf_type(named):
                    plan.kind = LEAF
                else:
                    plan.kind = CONNECTION if named.name.endswith("Connection") else OBJECT
                    plan.object_cost = (
                        0 if named.name in FREE_TYPES or named.name.endswith(("Edge", "Connection")) else 1
                    )
                    plan.concrete = None if is_abstract_type(named) else named.name
                    plan.sub = self.plans([n.selection_set for n in nodes if n.selection_set], named)
            out.append(plan)
        return out


def log_factor(n: int) -> int:
    """The fitted connection multiplier ``floor(2 ln max(n, 2))`` (1 for 1 or 2 rows, 11 for 250)."""
    return int(2 * math.log(max(n, 2))) if n > 0 else 0


class Execution:
    """One run of a compiled operation: argument cache, collected errors, and the cost rules."""

    def __init__(
        self,
        source: Any,
        variables: dict[str, Any],
        *,
        scopes: frozenset[str],
        field_scopes: dict[tuple[str, str], str],
        linear: bool = False,
    ) -> None:
        self.source, self.variables, self.scopes, self.field_scopes = source, variables, scopes, field_scopes
        self.errors: list[dict[str, Any]] = []
        self._args: dict[FieldPlan, dict[str, Any]] = {}
        self.factor: Callable[[int], int] = (lambda n: n) if linear else log_factor

    def args(self, plan: FieldPlan) -> dict[str, Any]:
        """The field's coerced arguments (computed once per request: they do not depend on the parent)."""
        got = self._args.get(plan)
        if got is None:
            got = self._args[plan] = (
                get_argument_values(plan.field_def, plan.node, self.variables)
                if plan.has_args or plan.field_def.args
                else {}
            )
        return got

    def _fail(self, plan: FieldPlan, exc: FieldError | GraphQLError, path: tuple) -> None:
        loc = plan.node.loc
        locations = None
        if loc is not None and self.source is not None:
            where = get_location(self.source, loc.start)
            locations = [{"line": where.line, "column": where.column}]
        if isinstance(exc, FieldError):
            self.errors.append(entry(exc.message, exc.extensions, locations, [*path, plan.key]))
        else:
            self.errors.append(entry(exc.message, {"code": "BAD_REQUEST"}, locations, [*path, plan.key]))

    # -- execution ------------------------------------------------------------------------------------
    def run(self, obj: dict[str, Any], plans: list[FieldPlan], tname: str, path: tuple) -> tuple[dict, int]:
        """Resolve ``plans`` on ``obj``; return (result, actual cost of the children)."""
        out: dict[str, Any] = {}
        cost = 0
        field_scopes = self.field_scopes
        for p in plans:
            kind = p.kind
            if kind == TYPENAME:
                out[p.key] = tname
                continue
            if kind == INTROSPECTION:
                out[p.key] = obj.get(p.key)
                continue
            v = obj.get(p.name)
            if field_scopes:
                need = field_scopes.get((tname, p.name))
                if need is not None and need not in self.scopes:
                    self._fail(p, access_denied(p.name, need), path)
                    out[p.key] = None
                    continue
            if callable(v):
                try:
                    v = v(self.args(p))
                except (FieldError, GraphQLError) as exc:
                    self._fail(p, exc, path)
                    out[p.key] = None
                    continue
            if kind == LEAF or v is None:
                out[p.key] = v
                continue
            sub, concrete = p.sub, p.concrete
            if p.is_list:
                items, most = [], 0
                for i, item in enumerate(v):
                    if item is None:
                        items.append(None)
                        continue
                    tn = concrete or item["__typename"]
                    res, c = self.run(item, sub[tn], tn, (*path, p.key, i))
                    items.append(res)
                    if c > most:
                        most = c
                out[p.key] = items
                cost += p.object_cost + most if items else 0
                continue
            tn = concrete or v["__typename"]
            res, c = self.run(v, sub[tn], tn, (*path, p.key))
            out[p.key] = res
            if p.defined_cost is not None:
                cost += p.defined_cost
            elif kind == CONNECTION:
                n = v["_count"]
                cost += 2 + (self.factor(n) * c if n else 0)
            else:
                cost += p.object_cost + c
        return out, cost

    # -- requested cost -------------------------------------------------------------------------------
    def requested(self, by_type: dict[str, list[FieldPlan]]) -> int:
        """The static cost of a selection: the maximum over the possible concrete types."""
        return max((sum(self._field_cost(p) for p in plans) for plans in by_type.values()), default=0)

    def _field_cost(self, p: FieldPlan) -> int:
        if p.kind in (LEAF, TYPENAME, INTROSPECTION):
            return 0
        if p.defined_cost is not None:
            return p.defined_cost
        child = self.requested(p.sub)
        if p.kind == CONNECTION:
            try:
                args = self.args(p)
            except GraphQLError:
                args = {}
            size = args.get("first") or args.get("last") or 0
            return 2 + self.factor(min(int(size), 10_000)) * child
        return p.object_cost + child
