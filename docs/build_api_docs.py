"""Build the API reference with pdoc: ``python docs/build_api_docs.py OUTPUT_DIR``.

``cdk_smsvoice`` imports its constructs on first use (so that the emulator and the command
line start without aws-cdk-lib); pdoc reads a module's namespace, so every name of
``cdk_smsvoice.__all__`` is resolved first. ``make docs`` runs this with pdoc's warnings turned
into errors and ``PDOC_ALLOW_EXEC=1`` (importing aws_cdk starts jsii's Node.js process).
"""

import sys
from pathlib import Path

import pdoc

import cdk_smsvoice

MODULES = ["cdk_smsvoice", "cdk_smsvoice.testing"]
"""The public API: the constructs (re-exported by the package) and the snapshot helpers."""


def main(output_directory: Path) -> None:
    """Write the HTML reference of ``MODULES`` into ``output_directory``."""
    for name in cdk_smsvoice.__all__:
        getattr(cdk_smsvoice, name)
    pdoc.render.configure(docformat="restructuredtext")
    pdoc.pdoc(*MODULES, output_directory=output_directory)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
