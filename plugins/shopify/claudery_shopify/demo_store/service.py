"""GraphQL request preparation: parse, validate, pick the operation, coerce variables, compile, cost.

Parsing, validation and compilation are cached per query text (a sync sends the same text for every
page), so a page pays only for variable coercion, the static cost and execution.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    build_schema,
    parse,
    print_type,
    type_from_ast,
    validate,
)
from graphql.execution.values import get_variable_values

from claudery_shopify.demo_store import errors as err
from claudery_shopify.demo_store.executor import Compiler, FieldPlan


def load_schema() -> GraphQLSchema:
    """The SDL subset shipped with the demo store."""
    text = resources.files("claudery_shopify.demo_store").joinpath("schema.graphql").read_text("utf-8")
    return build_schema(text)


@dataclass
class Document:
    """A parsed and validated query text (or the errors that stop it)."""

    doc: DocumentNode | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    has_directives: bool = False
    plans: dict[str | None, dict[str, list[FieldPlan]]] = field(default_factory=dict)


@dataclass
class Prepared:
    """One request ready to run: the operation, coerced variables and compiled plans."""

    operation: OperationDefinitionNode
    variables: dict[str, Any]
    plans: dict[str, list[FieldPlan]]
    document: Document

    @property
    def kind(self) -> str:
        """ "query" or "mutation"."""
        return self.operation.operation.value

    @property
    def label(self) -> str:
        """How request counts name the operation: ``query CatalogPage`` or ``query {products}``."""
        if self.operation.name:
            return f"{self.kind} {self.operation.name.value}"
        roots = sorted(
            {s.name.value for s in self.operation.selection_set.selections if isinstance(s, FieldNode)}
        )
        return f"{self.kind} {{{','.join(roots)}}}"


class GraphQLService:
    """Turns request bodies into :class:`Prepared` operations or Shopify-shaped error lists."""

    def __init__(self, schema: GraphQLSchema | None = None, cache_size: int = 256) -> None:
        self.schema = schema or load_schema()
        self._cache: OrderedDict[str, Document] = OrderedDict()
        self._size = cache_size
        self._lock = threading.Lock()

    def document(self, query: str) -> Document:
        """Parse and validate ``query`` (cached)."""
        with self._lock:
            hit = self._cache.get(query)
            if hit is not None:
                self._cache.move_to_end(query)
                return hit
        document = self._build(query)
        with self._lock:
            self._cache[query] = document
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return document

    def _build(self, query: str) -> Document:
        try:
            doc = parse(query)
        except GraphQLSyntaxError as exc:
            return Document(None, [err.parse_error(exc)])
        errors = validate(self.schema, doc)
        if errors:
            paths = _field_paths(doc)
            return Document(
                doc, [err.validation_error(e, paths.get(id(e.nodes[0])) if e.nodes else None) for e in errors]
            )
        fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
        return Document(doc, fragments=fragments, has_directives="@" in query)

    def prepare(
        self, query: str, operation_name: str | None, variables: Any
    ) -> Prepared | list[dict[str, Any]]:
        """A runnable operation, or the error entries to answer with."""
        document = self.document(query)
        if document.errors:
            return document.errors
        assert document.doc is not None
        ops = [d for d in document.doc.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name:
            ops = [o for o in ops if o.name and o.name.value == operation_name]
            if not ops:
                return [err.entry(f'No operation named "{operation_name}"', {"code": "OPERATION_NOT_FOUND"})]
        elif len(ops) > 1:
            return [err.entry("An operation name is required", {"code": "OPERATION_NAME_REQUIRED"})]
        if not ops:
            return [err.entry("No operations in query document", {"code": "OPERATION_NOT_FOUND"})]
        op = ops[0]
        if variables is not None and not isinstance(variables, dict):
            return [err.entry("Variables must be an object", {"code": "INVALID_VARIABLE"})]
        coerced = get_variable_values(self.schema, op.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            return [self._variable_error(op, e, variables or {}) for e in coerced]
        root_type = self.schema.mutation_type if op.operation.value == "mutation" else self.schema.query_type
        if root_type is None:
            return [
                err.entry("Schema is not configured for subscriptions", {"code": "GRAPHQL_VALIDATION_FAILED"})
            ]
        key = op.name.value if op.name else None
        plans = None if document.has_directives else document.plans.get(key)
        if plans is None:
            plans = Compiler(self.schema, document.fragments, coerced).plans([op.selection_set], root_type)
            if not document.has_directives:
                document.plans[key] = plans
        return Prepared(op, coerced, plans[root_type.name], document)

    def _variable_error(
        self, op: OperationDefinitionNode, error: GraphQLError, given: dict
    ) -> dict[str, Any]:
        for definition in op.variable_definitions or ():
            name = definition.variable.name.value
            if f"${name}" in error.message:
                gtype = type_from_ast(self.schema, definition.type)
                type_str = str(gtype) if gtype is not None else print_type(gtype)  # type: ignore[arg-type]
                return err.variable_error(error, name, type_str, given.get(name))
        return err.entry(error.message, {"code": "INVALID_VARIABLE"})


def _field_paths(doc: DocumentNode) -> dict[int, list[str]]:
    """id(field node) -> graphql-ruby style path (``["query Name", "products", "nodes", ...]``)."""
    paths: dict[int, list[str]] = {}

    def walk(selection_set: Any, prefix: list[str]) -> None:
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                here = [*prefix, sel.alias.value if sel.alias else sel.name.value]
                paths[id(sel)] = here
                walk(sel.selection_set, here)
            elif isinstance(sel, InlineFragmentNode):
                cond = f"... on {sel.type_condition.name.value}" if sel.type_condition else "..."
                walk(sel.selection_set, [*prefix, cond])
            elif isinstance(sel, FragmentSpreadNode):
                continue

    for definition in doc.definitions:
        if isinstance(definition, OperationDefinitionNode):
            label = definition.operation.value + (f" {definition.name.value}" if definition.name else "")
            walk(definition.selection_set, [label])
        elif isinstance(definition, FragmentDefinitionNode):
            walk(definition.selection_set, [f"fragment {definition.name.value}"])
    return paths
