"""`python -m tfx_distill.pipeline.cli ...` is `tfx-distill ...`."""

import sys

from tfx_distill.pipeline.cli import main

sys.exit(main())
