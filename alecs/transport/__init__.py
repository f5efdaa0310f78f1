"""The one network layer: pooled HTTP/2 clients per section, DNS cache, retries, rate limits,
circuit breakers per API, single-flight and metrics. Knows HTTP, not Akamai products.

```python
from alecs.transport import Transport, TransportSettings, RetryPolicy, NetworkHealth
```
"""

from alecs.transport.clock import Clock, ManualClock, SystemClock
from alecs.transport.core import Transport, api_error_from_response
from alecs.transport.errors import (
    AkamaiApiError,
    AlecsError,
    AmbiguousWriteError,
    CircuitOpenError,
    DeadlineExceededError,
    RateLimitedError,
    TransportError,
)
from alecs.transport.metrics import HostHealth, NetworkHealth
from alecs.transport.probe import ProbeResult
from alecs.transport.ratelimit import DEFAULT_RATE_LIMITS, BucketSpec, RateLimitSpec
from alecs.transport.retry import RetryPolicy
from alecs.transport.settings import TransportSettings

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "AkamaiApiError",
    "AlecsError",
    "AmbiguousWriteError",
    "BucketSpec",
    "CircuitOpenError",
    "Clock",
    "DeadlineExceededError",
    "HostHealth",
    "ManualClock",
    "NetworkHealth",
    "ProbeResult",
    "RateLimitSpec",
    "RateLimitedError",
    "RetryPolicy",
    "SystemClock",
    "Transport",
    "TransportError",
    "TransportSettings",
    "api_error_from_response",
]
