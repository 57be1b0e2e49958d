"""glassnet's benchmark suite: glassnet side by side with PyTorch, scikit-learn and from-scratch
scripts. Run ``python -m benchmarks`` (``--quick`` for a short run, ``--mnist-98`` for the long
training race); see ``docs/performance.md``."""
