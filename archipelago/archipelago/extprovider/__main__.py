import sys

from archipelago.extstorage.provider import main

sys.exit(main())
