"""Shared parts of the sync benchmarks: the hub app on a database, Redis, a connected demo site, a real
`hub worker` with its peak memory, a streamed ground-truth comparison and result files.

The pieces the end-to-end sync tests already have (the worker subprocess, its environment, waiting for
a run, the exact catalog comparison) are imported from :mod:`tests.sync_support`, not copied.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import requests
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:  # `python bench/bench_sync.py` as well as `python -m bench.bench_sync`
    sys.path.insert(0, str(ROOT))

from tests.sync_support import Worker, stored_products, truth_catalog, worker_env  # noqa: E402

#: a throwaway Fernet key: benchmark databases hold only demo-store credentials
BENCH_KEY = "kP3rj0i6Q4s0f1c4J6yQmNnQ2m6J3Jb7l6h1w1s3M0Y="


def work_dir(prefix: str) -> Path:
    """A fresh temporary directory for one benchmark run (its SQLite file, Redis, worker logs), removed
    when the benchmark exits; ``BENCH_KEEP=1`` keeps it for a look afterwards. Left behind, a 100,000-
    product run's leaves ~1.5 GB: a few sessions of them once filled this machine's disk."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.environ.get("BENCH_KEEP") != "1":
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


# ----- services -----------------------------------------------------------------------------------


@dataclass
class Services:
    """The database URL and Redis the benchmark runs on, and how to stop what it started."""

    database_url: str
    redis_url: str
    workdir: Path
    #: True when the database is a temporary SQLite file of this benchmark (nothing to clean up)
    own_database: bool = False
    _redis: Any = None

    def stop(self) -> None:
        """Stop the Redis this benchmark started (a configured one is left alone)."""
        if self._redis is not None:
            self._redis.stop()


def start_services(database_url: str | None = None) -> Services:
    """The configured database (``--database-url``, else ``DATABASE_URL``, else a fresh SQLite file in a
    temporary directory) migrated to head, and ``REDIS_URL`` or a Redis of our own."""
    workdir = work_dir("claudery-bench-")
    url = database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'hub.sqlite3'}"
    redis_url, redis = os.environ.get("REDIS_URL"), None
    if not redis_url:
        from hub import embedded_redis

        redis = embedded_redis.start(workdir / "redis")
        redis_url = redis.url
    own = not (database_url or os.environ.get("DATABASE_URL"))
    services = Services(url, redis_url, workdir, own, redis)
    app = make_app(services)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return services


def make_app(services: Services, **overrides: Any):
    """A hub app on the benchmark's database and Redis, with the BigCommerce plugin loaded."""
    from claudery_bigcommerce import plugin as bigcommerce_plugin

    from hub import create_app

    config = {
        "DATABASE_URL": services.database_url,
        "SECRET_KEY": "bench-secret-key-" + "x" * 16,
        "HUB_ENCRYPTION_KEYS": BENCH_KEY,
        "INSTANCE_PATH": str(services.workdir / "instance"),
        "HUB_PLUGINS_AUTOLOAD": "0",
        "REDIS_URL": services.redis_url,
        **overrides,
    }
    return create_app(config, plugins=[("bigcommerce", bigcommerce_plugin)])


def connect_site(app, store) -> int:
    """A merchant and a site connected to the demo store exactly as the web form does; the site id."""
    import uuid

    from hub import credentials
    from hub.connection import record, test_credentials
    from hub.extensions import db
    from hub.models import Site
    from hub.plugins import current_host
    from hub.views.auth import create_user

    with app.app_context():
        user = create_user(f"bench-{uuid.uuid4().hex[:8]}@example.com", "correct horse battery")
        site = Site(owner_id=user.id, name="Bench")
        db.session.add(site)
        host = current_host()
        creds = {"store_hash": store.store_hash, "access_token": store.access_token}
        credentials.save(host, site, "bigcommerce", creds)
        record(site, test_credentials(host, "bigcommerce", credentials.stored(site)))
        db.session.commit()
        if site.connection_status != "connected":
            raise RuntimeError(f"demo site did not connect: {site.last_test_message}")
        return site.id


def remove_site(app, site_id: int) -> None:
    """Delete the benchmark's merchant, site and catalog (cascading) from a database we do not own."""
    from sqlalchemy import delete

    from hub.extensions import db
    from hub.models import Site, User

    with app.app_context():
        owner = db.session.scalar(select(Site.owner_id).where(Site.id == site_id))
        db.session.execute(delete(User).where(User.id == owner))
        db.session.commit()
        db.session.remove()


def start_worker(app, redis_url: str, queue: str, log_path: Path, **settings: str) -> Worker:
    """A `hub worker` with production timings (the test helper's are shortened for fast tests)."""
    production = {
        "HUB_SYNC_HEARTBEAT_SECONDS": "5",
        "HUB_SYNC_STALE_SECONDS": "90",
        "HUB_WATCHDOG_SECONDS": "15",
        "BIGCOMMERCE_BACKOFF_BASE": "1.0",
        "BIGCOMMERCE_BACKOFF_CAP": "60",
    }
    env = worker_env(app, redis_url, queue, **{**production, **settings})
    worker = Worker(env, log_path)
    wait_worker_ready(redis_url, queue, worker)
    return worker


def wait_worker_ready(redis_url: str, queue: str, worker: Worker, timeout: float = 60.0) -> None:
    """Wait until the worker has registered with RQ and listens on ``queue`` (startup is not measured)."""
    from redis import Redis
    from rq import Worker as RqWorker

    conn = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise RuntimeError(f"the worker exited with code {worker.process.returncode}")
        for w in RqWorker.all(connection=conn):
            if queue in w.queue_names() and w.get_state() in ("idle", "busy", "started"):
                return
        time.sleep(0.05)
    raise RuntimeError("the worker did not start listening in time")


# ----- memory -------------------------------------------------------------------------------------


def vm_hwm_mb(pid: int) -> float | None:
    """The kernel's peak resident set (VmHWM) of a process in MiB; None where /proc lacks it."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler(threading.Thread):
    """Samples the memory of a process tree every ``interval`` s and keeps the peaks.

    ``hub worker`` is an RQ worker whose scheduler runs in a forked child: summing RSS over the tree
    counts the pages the two share twice, so the tree is also measured in PSS (shared pages split
    between the processes that map them). The worker's own peak comes exactly from the kernel (VmHWM,
    see :func:`vm_hwm_mb`); the sampler may miss a spike shorter than ``interval``.

    The sampler shares the 2 CPUs with the sync it measures, so it is kept cheap: the kernel walks a
    process's page tables for PSS (~1.5 ms for a 120 MB process, so ~4 ms for the worker's tree) and
    listing the tree scans all of ``/proc`` (~1.3 ms). Every 50 ms with a fresh listing that took ~11 %
    of one core; every 200 ms with the listing refreshed each second, ~2 %.
    """

    def __init__(self, pid: int, interval: float = 0.2, relist: float = 1.0):
        super().__init__(daemon=True, name="rss-sampler")
        self.pid, self.interval, self.relist = pid, interval, relist
        self.peak_rss = self.peak_pss = 0
        self._stop_event = threading.Event()
        self._tree: list[int] = []
        self._listed = -math.inf

    def _pids(self) -> list[int]:
        """The tree's pids, listed again at most every ``relist`` s (the fetch process comes and goes)."""
        import psutil

        if time.monotonic() - self._listed >= self.relist:
            try:
                proc = psutil.Process(self.pid)
                self._tree = [self.pid, *(c.pid for c in proc.children(recursive=True))]
            except psutil.Error:
                self._tree = []
            self._listed = time.monotonic()
        return self._tree

    def sample(self) -> tuple[int, int]:
        """Current (RSS, PSS) sums of the process tree in bytes ((0, 0) when it is gone)."""
        rss = pss = 0
        for pid in self._pids():
            try:
                with open(f"/proc/{pid}/smaps_rollup") as fh:
                    for line in fh:
                        if line.startswith("Rss:"):
                            rss += int(line.split()[1]) * 1024
                        elif line.startswith("Pss:"):
                            pss += int(line.split()[1]) * 1024
            except OSError:  # gone since listed (the fetch process at a run's end)
                continue
        return rss, pss

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            rss, pss = self.sample()
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

    def reset(self) -> None:
        """Start a new interval: the peaks become the current figures."""
        self.peak_rss, self.peak_pss = self.sample()

    @property
    def peak_rss_mb(self) -> float:
        """Peak RSS sum of the tree since the start or the last :meth:`reset`, in MiB."""
        return self.peak_rss / 2**20

    @property
    def peak_pss_mb(self) -> float:
        """Peak PSS sum of the tree since the start or the last :meth:`reset`, in MiB."""
        return self.peak_pss / 2**20

    def stop(self) -> None:
        """Stop sampling."""
        self._stop_event.set()
        self.join(2)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far, the ones still running and the
    ones it waited for (a sync's fetch process): robust on a busy machine, where wall time also measures
    the neighbours."""
    return sum(cpu_split(pid))


def cpu_split(pid: int) -> tuple[float, float]:
    """(the process's own, its children's) user + system CPU seconds so far; children are the ones still
    running and the ones it waited for. ((0, 0) when it is gone.)"""
    import psutil

    try:
        proc = psutil.Process(pid)
        times = proc.cpu_times()
        children = times[2] + times[3]  # the children that ended and were waited for
        for child in proc.children(recursive=True):
            try:
                children += sum(child.cpu_times()[:2])
            except psutil.Error:
                continue
        return times[0] + times[1], children
    except psutil.Error:
        return 0.0, 0.0


# ----- ground truth, streamed ---------------------------------------------------------------------


def iter_truth(base_url: str, store_hash: str, chunk: int = 1 << 20) -> Iterator[tuple[str, Any]]:
    """Stream ``/__demo/stores/{hash}/catalog``: yield ``("product", dict)`` per product, then
    ``("categories", list)`` and ``("brands", list)``, never holding more than one product's text.

    The document is ``{..., "products": [p, p, ...], "categories": [...], "brands": [...]}``; products
    are decoded one at a time with :meth:`json.JSONDecoder.raw_decode` from a rolling buffer.
    """
    decoder = json.JSONDecoder()
    url = f"{base_url}/__demo/stores/{store_hash}/catalog"
    with requests.get(url, stream=True, timeout=600) as resp:
        resp.raise_for_status()
        pieces = resp.iter_content(chunk_size=chunk)
        buf = ""
        state = "head"  # head -> products -> tail

        raw = b""
        for piece in pieces:
            raw += piece
            try:  # never split a multi-byte character
                text = raw.decode("utf-8")
                raw = b""
            except UnicodeDecodeError as exc:
                text, raw = raw[: exc.start].decode("utf-8"), raw[exc.start :]
            buf += text
            pos = 0
            if state == "head":
                start = buf.find('"products":[')
                if start < 0:
                    continue
                pos, state = start + len('"products":['), "products"
            if state == "products":
                while True:
                    while pos < len(buf) and buf[pos] in ", \n\r\t":
                        pos += 1
                    if pos < len(buf) and buf[pos] == "]":
                        state, pos = "tail", pos + 1
                        break
                    try:
                        product, end = decoder.raw_decode(buf, pos)
                    except json.JSONDecodeError:
                        break  # incomplete: read more
                    yield "product", product
                    pos = end
                buf = buf[pos:]
        tail = json.loads("{" + buf.lstrip(", ")) if state == "tail" else {}
        yield "categories", tail.get("categories", [])
        yield "brands", tail.get("brands", [])


def _digest(value: Any) -> bytes:
    return hashlib.blake2b(repr(value).encode(), digest_size=16).digest()


@dataclass
class Comparison:
    """Outcome of comparing the stored catalog with the demo store's ground truth."""

    equal: bool
    products: int
    missing: int = 0
    extra: int = 0
    different: int = 0
    first_difference: str | None = None
    seconds: float = 0.0
    method: str = "streamed digests"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return self.__dict__.copy()


def compare_catalog(app, site_id: int, store, chunk: int = 2000) -> Comparison:
    """Compare the site's stored catalog with the store's ground truth in bounded memory.

    Each product is projected exactly as :func:`tests.sync_support.stored_catalog` and
    :func:`tests.sync_support.truth_catalog` do (so the same fields are compared the same way) and
    reduced to a 16-byte digest; only ``{id: digest}`` is kept, ~50 bytes per product. Truth is streamed
    from the admin endpoint; the database is read ``chunk`` products at a time.
    """
    from hub.extensions import db
    from hub.models import Brand, Category, Product

    started = time.perf_counter()
    truth: dict[str, bytes] = {}
    batch: list[dict] = []
    taxonomy: dict[str, list] = {}

    def flush() -> None:
        projected = truth_catalog({"products": batch, "categories": [], "brands": []})["products"]
        for pid, value in projected.items():
            truth[pid] = _digest(value)
        batch.clear()

    for kind, value in iter_truth(store.base_url, store.store_hash):
        if kind == "product":
            batch.append(value)
            if len(batch) >= chunk:
                flush()
        else:
            taxonomy[kind] = value
    flush()

    result = Comparison(equal=True, products=len(truth))
    seen: set[str] = set()
    with app.app_context():
        last = 0
        while True:
            rows = db.session.execute(
                select(Product.id, Product.platform_id)
                .where(Product.site_id == site_id, Product.archived_at.is_(None), Product.id > last)
                .order_by(Product.id)
                .limit(chunk)
            ).all()
            if not rows:
                break
            last = rows[-1][0]
            for pid, value in stored_products(site_id, dict(rows)).items():
                seen.add(pid)
                expected = truth.get(pid)
                if expected is None:
                    result.extra += 1
                elif expected != _digest(value):
                    result.different += 1
                    result.first_difference = result.first_difference or pid
            db.session.expunge_all()
        categories = {
            c.platform_id: c.name
            for c in db.session.scalars(select(Category).where(Category.site_id == site_id))
        }
        brands = {
            b.platform_id: b.name for b in db.session.scalars(select(Brand).where(Brand.site_id == site_id))
        }
        db.session.remove()
    result.missing = len(set(truth) - seen)
    truth_tax = truth_catalog({"products": [], **taxonomy})
    taxonomy_equal = categories == truth_tax["categories"] and brands == truth_tax["brands"]
    result.equal = taxonomy_equal and not (result.missing or result.extra or result.different)
    if not taxonomy_equal:
        result.first_difference = (result.first_difference or "") + " (categories or brands differ)"
    result.seconds = round(time.perf_counter() - started, 2)
    return result


# ----- profiling the worker -----------------------------------------------------------------------


def start_py_spy(pid: int, path: Path) -> subprocess.Popen:
    """Sample ``pid`` and its children (the fetch process; all threads, 250 Hz, native frames off) into
    ``path`` as collapsed stacks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("py-spy")
    command = [
        str(exe if exe.exists() else "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--rate",
        "250",
        "--subprocesses",
    ]
    command += ["--format", "raw", "--output", str(path), "--nonblocking"]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.5)  # attached before the run is enqueued
    return spy


def stop_py_spy(spy: subprocess.Popen, path: Path, top: int = 25) -> None:
    """Stop the sampler (it writes its file on SIGINT) and print the functions with the most samples
    where they are on top of the stack (own time) and anywhere in it (inclusive), idle waits left out."""
    import signal
    from collections import Counter

    spy.send_signal(signal.SIGINT)
    spy.wait(30)
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")[1:]  # the first is the process/thread
        if not frames or not count.isdigit():
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    print(f"   py-spy: {total} samples of busy threads (idle left out) → {path}")
    for title, counter in (("own", own), ("inclusive", inclusive)):
        print(f"   top {top} by {title} samples:")
        for frame, n in counter.most_common(top):
            print(f"     {n / max(total, 1):6.1%}  {frame[:150]}")


# ----- results ------------------------------------------------------------------------------------


@dataclass
class ResultFile:
    """One benchmark result, written as JSON under ``bench/results/``."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def write(self, tag: str) -> Path:
        """Write ``bench/results/{kind}-{tag}-{timestamp}.json`` with machine facts; return its path."""
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS_DIR / f"{self.kind}-{tag}-{stamp}.json"
        payload = {"kind": self.kind, "at": stamp, "machine": machine(), **self.data}
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        return path


def steal_seconds() -> float:
    """CPU seconds the hypervisor gave to other guests so far, all CPUs (``/proc/stat``'s steal; 0 where
    there is none). A virtual machine's neighbours can take a large share of its CPUs for seconds at a
    time: a run that lost CPU this way says so next to its wall time."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


#: product-like records the host calibration serializes, parses, walks and hashes (~50-100 ms of CPU a try)
_CALIBRATION_RECORDS = 2_500


@functools.cache
def host_speed_ms() -> float:
    """CPU milliseconds of this thread (best of 3) that a fixed piece of work took on this host, now.

    A virtual machine's speed changes by up to ~2x within a session with no steal reported (neighbours,
    clock): the same 10,000-product sync took 2.2 s and 4.3 s an hour apart, and the same code's CPU per
    product nearly halved. Measured once per benchmark process, the first time it is asked for
    (``bench_sync`` and ``bench_cpu`` ask before their scenarios; the others when they write their result
    file, after the run), and printed beside the results: compare results only when their ``host`` figures
    are close. The work is what a sync's
    CPU goes to (JSON both ways, small dicts and tuples, hashing), with a fixed seed, so it stays the same
    from commit to commit.
    """
    records = [
        {
            "id": n, "name": f"Product {n} café", "price": n * 1.25, "sku": f"SKU-{n:06d}",
            "variants": [{"id": n * 10 + k, "sku": f"V-{n}-{k}", "price": str(k + 0.5), "options": [
                {"option": "Colour", "value": ("Red", "Blue", "Green")[k % 3]}]} for k in range(4)],
            "images": [{"url": f"https://cdn.example/{n}/{k}.jpg", "is_thumbnail": k == 0} for k in range(3)],
        }
        for n in range(_CALIBRATION_RECORDS)
    ]  # fmt: skip
    best = math.inf
    for _ in range(3):
        start = time.thread_time()
        body = orjson.dumps(records)
        rows = []
        for record in orjson.loads(body):
            skus = tuple(v["sku"] for v in record["variants"])
            digest = hashlib.sha1(orjson.dumps(record["images"]), usedforsecurity=False).hexdigest()
            rows.append((record["id"], record["name"].upper(), skus, digest))
        best = min(best, time.thread_time() - start)
    return round(best * 1000, 1)


def machine() -> dict[str, Any]:
    """Facts that make results comparable: CPUs, Python, git commit, the host's speed now."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = "", False
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit + ("+dirty" if dirty else ""),
        "host_speed_ms": host_speed_ms(),
    }


def redact_url(url: str) -> str:
    """A database URL without its password, for result files."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]
