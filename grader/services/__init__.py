"""Use cases by domain. Each package below has a small public surface in its __init__;
the top-level modules are what every domain shares: `context` (the per-process Services and
the acting user), `errors` (what the use cases raise) and `pagination`."""
