"""Property Manager tools: contracts, groups, products, properties, versions, rule trees,
hostnames, activations, edge hostnames and CP codes.

Thin by design: each tool validates its arguments, calls `alecs.akamai.papi.PapiClient` and
shapes the answer. Properties may be named by id (`prp_123` or `123`) or by exact name;
contract and group are looked up when a call needs them and they were left out (and the tool
says which to choose when that is ambiguous). PRODUCTION activations and deactivations and
property deletion ask the user first. Activations wait with progress notifications until
ACTIVE or FAILED, obeying PAPI's `Retry-After`; a timeout returns the state and how to check
again.

One module per resource: ``account`` (contracts, groups, products), ``properties``,
``versions``, ``rules``, ``hostnames``, ``activations``, ``edge_hostnames``, ``cpcodes``;
shared argument types and lookups in ``_shared``. Each module is listed in
``alecs.tools.TOOL_MODULES``, in the order the tools are offered.
"""
