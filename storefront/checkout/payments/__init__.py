"""Payments of orders: attempts at a provider (attempts), what providers and the desk report (events), refunds.

Services flush and never commit; the view, webhook or CLI command that calls them commits.
"""
