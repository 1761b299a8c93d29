import sys

from techgap.cli import main

sys.exit(main())
