"""The `dondoc` command line.

Bytecode: dondoc's own modules are installed editable (the checkout is the code) and uv
installs dependencies without bytecode, so where PYTHONDONTWRITEBYTECODE is set Python would
compile every module again on each command (~0.7 s of `dondoc --help`). The first command
caches it beside each module (`__pycache__`, ignored by git); uv's `compile-bytecode` setting
is not used because `uv run` then recompiles the whole environment on every call
(astral-sh/uv#12202)."""

import sys

sys.dont_write_bytecode = False
