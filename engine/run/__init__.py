"""The event-sourced promotion run (DESIGN §3): stages, events, fold, actions, planner."""
