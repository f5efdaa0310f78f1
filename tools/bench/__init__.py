"""alecs benchmarks: the network layer against what users would otherwise use.

`python -m tools.bench --help` (or `make bench`) runs them. Everything talks to loopback only:
a latency proxy (`proxy.py`) stands in for the WAN, a `getaddrinfo` hook (`dnsdelay.py`) for an
uncached DNS lookup, and the targets are the alecs sandbox and a local nginx (`nginx.py`).
"""
