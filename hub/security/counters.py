"""Fixed-window hit counters shared by every limit of the hub (widget API, login throttling).

With ``REDIS_URL`` configured the counters live in Redis, so every web process shares them; without it
(or while Redis is unreachable) each process counts in memory, which still stops a single abusive client.
The memory counter is bounded and O(1) per hit: one dict for the current window (dropped whole when the
window ends) holding at most ``max_keys`` keys; keys beyond that share a fixed set of overflow buckets, so
a flood of distinct clients costs a bounded amount of memory and degrades to coarser, never absent, limits.
"""

from __future__ import annotations

import hashlib
import logging
import threading

log = logging.getLogger(__name__)

DEFAULT_MAX_KEYS = 50_000
OVERFLOW_BUCKETS = 1024


class MemoryCounter:
    """Per-window counters in this process, bounded in size."""

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self._lock = threading.Lock()
        self._max_keys = max_keys
        # One table per (window length, slot): limits with different windows never reset each other.
        self._tables: dict[int, tuple[int, dict[str, int]]] = {}

    def _table(self, window: int, now: float) -> dict[str, int]:
        slot = int(now // window)
        current = self._tables.get(window)
        if current is None or current[0] < slot:
            current = (slot, {})  # the previous window has ended: forget it in O(1)
            self._tables[window] = current
        return current[1]

    def _slot_key(self, table: dict[str, int], key: str) -> str:
        if key in table or len(table) < self._max_keys:
            return key
        digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
        return f"overflow:{int.from_bytes(digest, 'big') % OVERFLOW_BUCKETS}"

    def hit(self, key: str, window: int, now: float) -> int:
        """Count one hit of ``key`` in the window containing ``now``; return the count so far."""
        with self._lock:
            table = self._table(window, now)
            name = self._slot_key(table, key)
            count = table.get(name, 0) + 1
            table[name] = count
        return count

    def get(self, key: str, window: int, now: float) -> int:
        """The count of ``key`` in the window containing ``now`` (no hit)."""
        with self._lock:
            table = self._table(window, now)
            return table.get(self._slot_key(table, key), 0)

    def size(self) -> int:
        """How many counters are held (for tests of the bound)."""
        return sum(len(table) for _slot, table in self._tables.values())


class RedisCounter:
    """Window counters in Redis: INCR plus an expiry, one round trip."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)
        self._prefix = prefix

    def _name(self, key: str, window: int, now: float) -> str:
        return f"{self._prefix}:{key}:{int(now // window)}"

    def hit(self, key: str, window: int, now: float) -> int:
        """Count one hit of ``key`` in the window containing ``now``; return the count so far."""
        name = self._name(key, window, now)
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count, _ = pipe.execute()
        return int(count)

    def get(self, key: str, window: int, now: float) -> int:
        """The count of ``key`` in the window containing ``now`` (no hit)."""
        return int(self._redis.get(self._name(key, window, now)) or 0)


class WindowCounter:
    """Redis counters when configured, memory counters otherwise or while Redis is down."""

    def __init__(self, redis_url: str = "", prefix: str = "hub:rl", max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self.memory = MemoryCounter(max_keys)
        self.redis = RedisCounter(redis_url, prefix) if redis_url else None

    def _call(self, method: str, key: str, window: int, now: float) -> int:
        if self.redis is not None:
            try:
                return getattr(self.redis, method)(key, window, now)
            except Exception as exc:  # Redis down: degrade to per-process limits, never to an error page
                log.warning("rate limit: Redis unavailable (%s); counting in memory", type(exc).__name__)
        return getattr(self.memory, method)(key, window, now)

    def hit(self, key: str, window: int, now: float) -> int:
        """Count one hit; return the window's count so far."""
        return self._call("hit", key, window, now)

    def get(self, key: str, window: int, now: float) -> int:
        """The window's count, without counting."""
        return self._call("get", key, window, now)


def client_id(address: str) -> str:
    """A short, non-reversible id of a client address; IPv6 clients are keyed on their /64 network.

    One IPv6 subscriber usually holds a whole /64, so counting single addresses would let one client
    rotate through billions of fresh counters.
    """
    import ipaddress

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        key = address
    else:
        key = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
