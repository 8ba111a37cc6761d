"""Real deployments: which driver deploys which target, which targets each canary
stage covers, the health gate of each stage, and the canary loop that measures it.

- :mod:`app.deploy.config` — an environment's deploy settings, validated;
- :mod:`app.deploy.settings` — reading and storing them per environment;
- :mod:`app.deploy.targets` — an environment's targets and each stage's share;
- :mod:`app.deploy.drivers` — driver instances for targets (command, demo fleet);
- :mod:`app.deploy.artifacts` — where a release's artifacts are in the site store;
- :mod:`app.deploy.canary` — sample, analyse, record, until the gate decides.
"""
