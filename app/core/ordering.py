"""Natural order of codes, as people number goals and products: "2" before "10", "1.9" before
"1.10" (natsort), one rule for the reports, the diffs and the pages alike."""

from collections.abc import Callable
from typing import Any

from natsort import natsort_keygen

natural: Callable[[str], Any] = natsort_keygen()
