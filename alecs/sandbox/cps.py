"""Certificate Provisioning System (CPS v2) endpoints of the sandbox: every route.

- `cps_enrollments.py`: enrollments (list, create, get, update, delete), changes (status,
  inputs, cancel, deployment schedule), DV history, and the hook the Edge DNS sandbox calls when
  a TXT record is written (`dns_txt_written`);
- `cps_deployments.py`: deployments (all, production, staging) and history (certificates,
  changes).
"""

from __future__ import annotations

from alecs.sandbox import cps_deployments, cps_enrollments
from alecs.sandbox.framework import Router


def register(router: Router) -> None:
    cps_enrollments.register(router)
    cps_deployments.register(router)
