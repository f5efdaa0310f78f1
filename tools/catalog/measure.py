"""Catalog load and search times: `python -m tools.catalog.measure`.

Load time per API (a fresh Catalog each, so nothing is cached), all APIs together, building the
search index, and search latency (p50/p95 over real phrases, 20 rounds each).
"""

from __future__ import annotations

import statistics
import time

from alecs.catalog.model import Catalog
from alecs.catalog.search import SearchIndex

PHRASES = [
    "security configurations",
    "edgeworkers ids",
    "GTM domains",
    "translate an error reference",
    "list zones",
    "purge url",
    "create a property",
    "certificate enrollments",
    "cloudlets policies",
    "list api clients",
    "dig from edge server",
    "activate a network list on production",
]


def main() -> None:
    per_api = []
    for info in Catalog().apis():
        cat = Catalog()
        cat.apis()
        start = time.perf_counter()
        cat.api(info.name)
        per_api.append(((time.perf_counter() - start) * 1000, info.name, info.operations))
    per_api.sort(reverse=True)
    cat = Catalog()
    start = time.perf_counter()
    ops = cat.operations()
    all_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    index = SearchIndex(cat)
    index_ms = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(20):
        for phrase in PHRASES:
            start = time.perf_counter()
            index.search(phrase, limit=10)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"operations: {len(ops)} in {len(per_api)} API files")
    print(f"load all APIs: {all_ms:.0f} ms; search index: {index_ms:.0f} ms")
    loads = [t for t, _, _ in per_api]
    print(f"load one API: median {statistics.median(loads):.1f} ms, max {loads[0]:.1f} ms")
    for t, name, n in per_api[:5]:
        print(f"  {name}: {t:.1f} ms ({n} operations)")
    p95 = times[int(len(times) * 0.95)]
    print(f"search: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms ({len(times)} queries)")


if __name__ == "__main__":
    main()
