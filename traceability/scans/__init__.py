"""Scans of a stamp: recording them (now or buffered per worker) and the copy warnings they raise."""
