"""The local Akamai API simulator (`alecs sandbox`, `alecs serve --sandbox`, the tests' backend).

Nothing heavy is imported here: the package is imported only in sandbox mode, and then lazily.
Entry points: `alecs.sandbox.runner` (SandboxThread, SandboxSettings), `alecs.sandbox.cli`.
"""

DEFAULT_PORT = 8643
