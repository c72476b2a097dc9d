"""The ``cdk-smsvoice`` command: ``cdk-smsvoice emulator ...`` and ``cdk-smsvoice local ...``."""

from __future__ import annotations

import sys

USAGE = """usage: cdk-smsvoice {emulator,local} ...

  emulator   serve the SMS and Voice v1 and v2 APIs locally (cdk-smsvoice emulator --help)
  local      deploy|destroy|status of cdk.out's configuration sets against the emulator
             (cdk-smsvoice local --help)
"""


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a subcommand; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "emulator":
        from .emulator.cli import main as emulator_main

        return emulator_main(rest)
    if command == "local":
        from .local.cli import main as local_main

        return local_main(rest)
    print(f"cdk-smsvoice: unknown command {command!r}\n{USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
