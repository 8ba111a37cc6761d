"""The site agent: the executor as a service (``stella agent``).

One agent per site and database (:mod:`app.agent.lock`) advances every run that
can move, runs due schedules, and wakes as soon as anything changes
(:mod:`app.agent.change_signal`); :mod:`app.agent.service` is its loop and
:mod:`app.agent.process` starts and stops it detached.
"""
