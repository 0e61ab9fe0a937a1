"""Running the whole system on one machine: one process per part, one log stream."""
