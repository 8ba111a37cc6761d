"""Stella Ops Offline Console — application layer (services, executor, CLI, GUI bootstrap)."""

__version__ = "0.1.0"
APP_NAME = "Stella Ops Offline Console"
