"""The demo site (DEMO ONLY): a complete site built from the sample bundles, with a
real demo fleet on 127.0.0.1 and promotions in every interesting state."""
