"""Pure rules of a deployment: what a post-deploy verification concludes from what the
targets reported (:mod:`engine.deploy.verify`)."""
