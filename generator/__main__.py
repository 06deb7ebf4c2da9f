import signal
import sys

# Ctrl-C or SIGTERM while the modules load is taken after they have loaded:
# some are C extensions (pikepdf) that must not be interrupted half-way (an
# interrupt inside one is a crash with a traceback, not a KeyboardInterrupt),
# and SIGTERM's default action would end the process without a word (status
# 143). Nothing has been written yet, so the run then stops with one line.
_interrupted: list[int] = []
_previous = signal.signal(signal.SIGINT, lambda signum, frame: _interrupted.append(signum))
signal.signal(signal.SIGTERM, lambda signum, frame: _interrupted.append(signum))
try:
    from .cli import main
finally:
    signal.signal(signal.SIGINT, _previous)
if _interrupted:
    print("interrupted: nothing was written", file=sys.stderr)
    raise SystemExit(130)

# main() takes SIGTERM over (as Ctrl-C) and gives it back when the work is
# done; one that comes while Python then shuts down changes nothing.
_code = main()
signal.signal(signal.SIGTERM, signal.SIG_IGN)
raise SystemExit(_code)
