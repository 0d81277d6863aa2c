"""Session history and before/after comparison.

:mod:`footfall.history.store` keeps the analysed sessions in one SQLite file
(``footfall analyze --save``, ``footfall history``);
:mod:`footfall.history.compare` compares two runs metric by metric, with a
bootstrap interval of each change (``footfall compare A B``);
:mod:`footfall.history.figures` draws a metric's trend across sessions and
a comparison.
"""

__all__: list[str] = []
