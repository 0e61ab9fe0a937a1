"""Pure order, inventory and refund logic: no I/O, no framework, no clock of its own.

- ``orders``: the order aggregate, its line items, states and transitions;
- ``inventory``: reserving and releasing stock;
- ``refunds``: refunds and their states;
- ``money``: amounts in a currency, rounded to cents;
- ``errors``: what the domain refuses, and why.
"""
