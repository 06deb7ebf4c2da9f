import signal
import sys

# Ctrl-C or SIGTERM while the modules load is taken after they have loaded:
# some are C extensions (pikepdf) that must not be interrupted half-way (an
# interrupt inside one is a crash with a traceback, not a KeyboardInterrupt),
# and SIGTERM's default action would end the process without a word (status
# 143). Nothing has been written yet, so the run then stops with one line.
_interrupted: list[int] = []
_previous = {sig: signal.signal(sig, lambda signum, frame: _interrupted.append(signum))
             for sig in (signal.SIGINT, signal.SIGTERM)}
try:
    from .cli import main
finally:
    for _sig, _handler in _previous.items():
        signal.signal(_sig, _handler)
if _interrupted:
    print("interrupted: nothing was written", file=sys.stderr)
    raise SystemExit(130)

raise SystemExit(main())
