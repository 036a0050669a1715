"""EPCIS 2.0: a published batch's trace events as a JSON-LD document, and the route that serves it."""
