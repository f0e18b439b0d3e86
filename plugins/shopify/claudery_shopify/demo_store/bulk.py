"""Bulk query operations (shopify-api.md §5): validate, render a JSONL file, progress by polls or time.

``bulkOperationRunQuery`` checks the inner query (valid against the schema, at least one connection, at
most 5 connections nested at most 2 levels, no top-level ``node``/``nodes``), then renders the file in a
background thread from a snapshot taken at creation. Each nested connection row is its own line with
``__parentId``; slashes are escaped as in Shopify's files. The operation is CREATED until first polled,
RUNNING until the file is written and ``bulk_polls`` polls (and ``bulk_seconds`` demo seconds) have
passed, then COMPLETED with a ``url`` served without authentication under ``/__bulk/``.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from typing import Any

import orjson
from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse, validate

from claudery_shopify.demo_store import formats as fmt
from claudery_shopify.demo_store.errors import FieldError
from claudery_shopify.demo_store.executor import CONNECTION, Compiler, Execution, FieldPlan

MAX_CONNECTIONS, MAX_DEPTH = 5, 2


class BulkOperation:
    """One bulk query and its file."""

    def __init__(self, oid: int, query: str, created: float, owner: tuple[str, str]) -> None:
        self.oid, self.query, self.created, self.owner = oid, query, created, owner
        self.gid = f"gid://shopify/BulkOperation/{oid}"
        self.status = "CREATED"
        self.error_code: str | None = None
        self.completed: float | None = None
        self.objects = self.roots = 0
        self.file_size: int | None = None
        self.path: str | None = None
        self.token = secrets.token_urlsafe(18)
        self.polls = 0
        self.rendered = threading.Event()

    def node(self, base_url: str) -> dict[str, Any]:
        """The GraphQL node (counts are UnsignedInt64: strings)."""
        done = self.status == "COMPLETED"
        url = f"{base_url}/__bulk/{self.token}/bulk-{self.oid}.jsonl" if done and self.objects else None
        return {
            "__typename": "BulkOperation",
            "id": self.gid,
            "status": self.status,
            "type": "QUERY",
            "errorCode": self.error_code,
            "createdAt": fmt.iso(self.created),
            "completedAt": fmt.iso(self.completed) if self.completed else None,
            "objectCount": str(self.objects),
            "rootObjectCount": str(self.roots),
            "fileSize": str(self.file_size) if done and self.file_size else None,
            "url": url,
            "partialDataUrl": None,
            "query": self.query,
        }


class BulkManager:
    """Bulk operations of every shop and app, their files and their progress rules."""

    def __init__(
        self, schema: Any, *, polls: int, seconds: float, concurrency: int, now: Callable[[], float]
    ) -> None:
        self.schema, self.polls, self.seconds, self.concurrency, self.now = (
            schema,
            polls,
            seconds,
            concurrency,
            now,
        )
        self.ops: dict[int, BulkOperation] = {}
        self._ids = itertools.count(8_066_577_826_098)
        self._lock = threading.Lock()
        self.dir = tempfile.mkdtemp(prefix="shopify-demo-bulk-")
        self.on_finish: Callable[[BulkOperation], None] | None = None

    def limit_for(self, version: str) -> int:
        """Concurrent bulk queries per app and shop: 1 up to 2025-10, 5 from 2026-01 (or configured)."""
        if self.concurrency:
            return self.concurrency
        return 1 if version != "unstable" and version <= "2025-10" else 5

    def check(self, query: str) -> list[dict[str, Any]]:
        """userErrors for an inner query that Shopify would refuse."""

        def invalid(message: str) -> list[dict[str, Any]]:
            return [{"field": ["query"], "message": message, "code": "INVALID"}]

        try:
            doc = parse(query)
        except GraphQLSyntaxError as exc:
            return invalid(f"Invalid bulk query: {exc.message}")
        errors = validate(self.schema, doc)
        if errors:
            return invalid(f"Invalid bulk query: {errors[0].message}")
        ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
        if len(ops) != 1 or ops[0].operation.value != "query":
            return invalid("Bulk queries must contain exactly one query operation.")
        roots = [s.name.value for s in ops[0].selection_set.selections if hasattr(s, "name")]
        if any(r in ("node", "nodes") for r in roots):
            return invalid("Bulk queries cannot contain a top level `node` or `nodes` field.")
        plans = Compiler(self.schema, {}, {}).plans([ops[0].selection_set], self.schema.query_type)[
            "QueryRoot"
        ]
        count, depth = _connections(plans, 0)
        if count == 0:
            return invalid("Bulk queries must contain at least one connection.")
        if count > MAX_CONNECTIONS:
            return invalid(f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections.")
        if depth > MAX_DEPTH:
            return invalid(
                f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_DEPTH}."
            )
        return []

    def running(self, owner: tuple[str, str]) -> list[BulkOperation]:
        """The owner's operations not yet finished."""
        return [op for op in self.ops.values() if op.owner == owner and op.status in ("CREATED", "RUNNING")]

    def start(
        self, query: str, owner: tuple[str, str], root: dict[str, Any], execution: Execution
    ) -> BulkOperation:
        """Create an operation and render its file in the background from the current catalog."""
        with self._lock:
            op = BulkOperation(next(self._ids), query, self.now(), owner)
            self.ops[op.oid] = op
        doc = parse(query)
        operation = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
        root_type = self.schema.query_type
        plans = Compiler(self.schema, {}, {}).plans([operation.selection_set], root_type)["QueryRoot"]
        # an execution of its own: the file is written after the request that started it has answered
        execution = Execution(None, {}, scopes=execution.scopes, field_scopes=execution.field_scopes)
        threading.Thread(
            target=self._render, args=(op, root, plans, execution), daemon=True, name=f"bulk-{op.oid}"
        ).start()
        return op

    def poll(self, op: BulkOperation) -> BulkOperation:
        """Count one poll and move the operation along."""
        with self._lock:
            op.polls += 1
            if op.status == "CREATED":
                op.status = "RUNNING"
            elif (
                op.status == "RUNNING"
                and op.rendered.is_set()
                and op.polls >= self.polls
                and self.now() - op.created >= self.seconds
            ):
                op.status = "FAILED" if op.error_code else "COMPLETED"
                op.completed = self.now()
                if self.on_finish is not None:
                    self.on_finish(op)
        return op

    def cancel(self, op: BulkOperation) -> None:
        """Cancel a running operation."""
        with self._lock:
            if op.status in ("CREATED", "RUNNING"):
                op.status, op.completed = "CANCELED", self.now()

    def file_path(self, token: str, oid: int) -> str | None:
        """The file of a completed operation, if ``token`` is its download token."""
        op = self.ops.get(oid)
        if op is None or op.token != token or op.status != "COMPLETED" or op.path is None:
            return None
        return op.path

    def _render(
        self, op: BulkOperation, root: dict[str, Any], plans: list[FieldPlan], execution: Execution
    ) -> None:
        path = os.path.join(self.dir, f"bulk-{op.oid}.jsonl")
        try:
            with open(path, "wb") as out:
                for plan in plans:
                    if plan.kind == CONNECTION:
                        self._connection(root, plan, None, out, op, execution, top=True)
            op.path, op.file_size = path, os.path.getsize(path)
        except FieldError as exc:
            op.error_code = (
                "ACCESS_DENIED" if exc.extensions.get("code") == "ACCESS_DENIED" else "INTERNAL_SERVER_ERROR"
            )
        except Exception:  # an operation fails, the server goes on
            op.error_code = "INTERNAL_SERVER_ERROR"
        op.rendered.set()

    def _connection(
        self,
        obj: dict[str, Any],
        plan: FieldPlan,
        parent: str | None,
        out: Any,
        op: BulkOperation,
        execution: Execution,
        *,
        top: bool = False,
    ) -> None:
        """Write every row of a connection (paging it fully), then recurse into the rows' connections."""
        args = {
            k: v for k, v in execution.args(plan).items() if k not in ("first", "last", "after", "before")
        }
        node_plans = _node_plans(plan)
        cursor = None
        while True:
            conn = obj[plan.name]({**args, "first": 250, "after": cursor})
            for row in conn["nodes"]:
                tname = row["__typename"]
                fields = node_plans.get(tname, [])
                line, _ = execution.run(row, [p for p in fields if p.kind != CONNECTION], tname, ())
                if parent is not None:
                    line["__parentId"] = parent
                out.write(orjson.dumps(line).replace(b"/", b"\\/") + b"\n")
                op.objects += 1
                if top:
                    op.roots += 1
                for sub in fields:
                    if sub.kind == CONNECTION:
                        self._connection(row, sub, row["id"], out, op, execution)
            if not conn["pageInfo"]["hasNextPage"]:
                return
            cursor = conn["pageInfo"]["endCursor"]

    def close(self) -> None:
        """Delete the rendered files."""
        shutil.rmtree(self.dir, ignore_errors=True)


def _node_plans(plan: FieldPlan) -> dict[str, list[FieldPlan]]:
    """The per-type plans of a connection's rows, whether selected through ``nodes`` or ``edges.node``."""
    merged: dict[str, list[FieldPlan]] = {}
    for conn_plans in plan.sub.values():
        for p in conn_plans:
            if p.name == "nodes":
                for t, fields in p.sub.items():
                    merged.setdefault(t, []).extend(fields)
            elif p.name == "edges":
                for edge_plans in p.sub.values():
                    for e in edge_plans:
                        if e.name == "node":
                            for t, fields in e.sub.items():
                                merged.setdefault(t, []).extend(fields)
    return merged


def _connections(plans: list[FieldPlan], depth: int) -> tuple[int, int]:
    """(number of connections, deepest connection nesting) in a selection."""
    count, deepest = 0, 0
    for p in plans:
        if p.kind == CONNECTION:
            count += 1
            deepest = max(deepest, depth + 1)
            for rows in _node_plans(p).values():
                c, d = _connections(rows, depth + 1)
                count, deepest = count + c, max(deepest, d)
        elif p.sub:
            for fields in p.sub.values():
                c, d = _connections(fields, depth)
                count, deepest = count + c, max(deepest, d)
    return count, deepest
