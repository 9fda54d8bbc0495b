"""Running extraction on more than one core or machine: local process pools and Dask distributed."""
