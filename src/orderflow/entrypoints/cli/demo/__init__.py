"""``orderflow demo``: the whole system, started for real, through every scenario."""

from orderflow.entrypoints.cli.demo.command import run_demo

__all__ = ["run_demo"]
