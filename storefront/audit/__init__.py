"""Audit log: who did what to which record, before and after, and why (office and producer actions).

A domain-floor package with no pages: the office reads the log, both dashboards write it, and
actions both dashboards take (clearing a stamp's copy warning) live here so each is logged alike.
"""
