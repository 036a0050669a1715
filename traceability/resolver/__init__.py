"""GS1 Digital Link resolver: what a scanned code names, linksets, linkType redirects, the resolver description."""
