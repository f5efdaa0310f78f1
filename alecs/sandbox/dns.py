"""Edge DNS (config-dns v2) endpoints of the sandbox: every route, from its modules.

- `dns_zones.py`: zones, record sets, names and types, zone files (and the shared helpers);
- `dns_changes.py`: change lists (create, get, delete, submit, listing, search, diff, record
  sets, settings);
- `dns_data.py`: reference data (contracts, groups, authorities, record types, algorithms, edge
  hostnames), a zone's contract and aliases, DNSSEC and zone transfer status;
- `dns_bulk.py`: bulk zone create and delete requests (the only way to delete a zone);
- `dns_keys.py`: TSIG keys (a zone's key, listing, used-by, bulk update);
- `dns_versions.py`: zone versions (listing, record sets, zone file, diff, re-activation);
- `dns_zonefile.py`: reading and writing master files (`text/dns`).
"""

from __future__ import annotations

from alecs.sandbox import (
    dns_bulk,
    dns_changes,
    dns_data,
    dns_keys,
    dns_versions,
    dns_zones,
)
from alecs.sandbox.framework import Router


def register(router: Router) -> None:
    dns_zones.register(router)
    dns_changes.register(router)
    dns_data.register(router)
    dns_versions.register(router)
    dns_keys.register(router)
    dns_bulk.register(router)
