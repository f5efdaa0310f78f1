import sys

from tools.catalog.build import main

sys.exit(main())
