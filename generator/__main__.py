import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while the modules load: nothing was written yet
    print("interrupted: nothing was written", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
