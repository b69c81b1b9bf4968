"""Run the command-line interface: ``python -m convbook``."""

from convbook.cli import main

raise SystemExit(main())
