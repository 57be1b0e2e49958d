"""Fast paths: the engine's arithmetic fused for speed, each pinned to ``engine.backprop``.

- ``full_batch``: ``train``, repeated full-batch updates (``Example.train``, ``check``'s ``@N``);
- ``compiled`` (with ``codegen`` and ``native``): that loop as generated straight-line
  Python or C, for tiny networks;
- ``fused``: one mini-batch's forward and backward pass for the fit loop, fused for
  softmax + cross-entropy, generic otherwise, behind one interface.

Nothing here is new mathematics: each module's docstring says which of the engine's
formulas it fuses and which test pins it to ``engine.backprop``.
"""
