"""``python -m orderflow``: the same as the ``orderflow`` command."""

from orderflow.entrypoints.cli.app import main

if __name__ == "__main__":
    main()
