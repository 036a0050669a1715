"""Batches (lots) and their production steps, as a producer records, publishes and recalls them."""
