"""Continuous-integration entry points: the pull-request check behind action.yml."""
