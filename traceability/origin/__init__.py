"""The origin page of a batch: what it shows (description) and how a worker keeps it."""
