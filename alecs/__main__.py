import sys

from alecs.cli import main

sys.exit(main())
