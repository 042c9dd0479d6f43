import sys

from archipelago.extprovider.provider import main

sys.exit(main())
