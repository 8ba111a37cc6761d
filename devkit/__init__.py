"""Sites, step doubles and helper processes for developing the console.

The tests, the benches (``bench/``) and the screenshot scripts (``scripts/``) build their
sites with the same code, which lives here so that none of them imports another's
modules. Not part of the product: it is not packaged, and the product never imports it.
"""
