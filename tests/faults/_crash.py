"""Run ``archiver run`` and kill this process (SIGKILL: no cleanup, no ``finally``) at one point of the pipeline.

Usage: python _crash.py TARGET before|after N -- ARCHIVER ARGS...

TARGET is a dotted ``module:attribute`` path of a function or method; the process kills itself just before
or just after its N-th call. The exit status is then -9, as for the OOM killer or a node lost under a worker.
"""

import functools
import importlib
import os
import signal
import sys

target, when, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
arguments = sys.argv[sys.argv.index("--") + 1:]
module_name, _, attribute = target.partition(":")
owner = importlib.import_module(module_name)
*parents, name = attribute.split(".")
for parent in parents:
    owner = getattr(owner, parent)
original = getattr(owner, name)
calls = [0]


@functools.wraps(original)
def crashing(*args, **kwargs):
    calls[0] += 1
    if when == "before" and calls[0] == nth:
        os.kill(os.getpid(), signal.SIGKILL)
    result = original(*args, **kwargs)
    if when == "after" and calls[0] == nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return result


setattr(owner, name, crashing)
from archiver.cli import main  # noqa: E402

sys.exit(main(arguments))
