"""Renderers: each formats an ``Explanation`` (or a ``Trace``) in one output format.

Renderers format; they do not calculate. Every number they print is read from
the trace the engine recorded.
"""
