"""``python -m app`` and the desktop build's entry point: the ``stella`` command."""

from app.cli.main import entry

if __name__ == "__main__":
    entry()
