"""The `dondoc` command line.

dondoc's own modules are installed editable (the checkout is the code), so no installer
compiles them, and where PYTHONDONTWRITEBYTECODE is set Python would compile every one of
them again on each command. Their bytecode is cached beside them (`__pycache__`, ignored by
git): a command starts in a third less time."""

import sys

sys.dont_write_bytecode = False
