import sys

from twitchwatch.cli import main

sys.exit(main())
