"""A shopper's checks against fakes from an origin page: the suspected-fake report and the scratch-off PIN check."""
