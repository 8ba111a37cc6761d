"""Evidence Timeline (seed §14.7) and the Evidence pages: packets, proof chains, the
export center and evidence bundles."""
