import signal
import sys

# Ctrl-C while the modules load is taken after they have loaded: some are C
# extensions (pikepdf) that must not be interrupted half-way (an interrupt
# inside one is a crash with a traceback, not a KeyboardInterrupt). Nothing
# has been written yet, so the run then stops with one line.
_interrupted: list[int] = []
_previous = signal.signal(signal.SIGINT, lambda signum, frame: _interrupted.append(signum))
try:
    from .cli import main
finally:
    signal.signal(signal.SIGINT, _previous)
if _interrupted:
    print("interrupted: nothing was written", file=sys.stderr)
    raise SystemExit(130)

raise SystemExit(main())
