"""``glassnet search``: try many settings of a training file, as Dask tasks.

- ``space``: the ``[search]`` table: parameters (grids and distributions), the
  trials they make from a seed, the metric;
- ``trial``: one trial, as a worker runs it (train, measure, report);
- ``runner``: the Dask side (an embedded ``LocalCluster`` or a scheduler by
  address), results streaming into ``search.csv``/``search.json``, resuming,
  the best model.

``space`` and ``trial`` need only glassnet; ``runner`` needs
``dask[distributed]`` (``pip install 'glassnet[search]'``) and is imported on
use. ``docs/training.md`` (searching) is the user's guide.
"""

from glassnet.search.space import Parameter, Search, Trial, apply, parse_search, read_search

__all__ = ["Parameter", "Search", "Trial", "apply", "parse_search", "read_search"]
