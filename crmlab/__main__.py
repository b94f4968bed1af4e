"""``python -m crmlab`` does what the ``crmlab`` command does."""

from crmlab.cli import main

raise SystemExit(main())
