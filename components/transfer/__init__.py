"""The Transfer component: does a set made for one network train another, and survive
another recipe? Each small set, and the full data at equal work, trained with the same
small-set recipe on other architectures and with other recipes (variants.py), each
measured on the same eval split; the report's transfer table reads the result."""
