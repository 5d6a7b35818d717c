"""The SMVP scoring engine: the maths of the performance cycle over plain data.

Modules
-------
* `engine.config`      – the ente's SMVP settings (frozen dataclasses, `from_dict`/`to_dict`).
* `engine.achievement` – one indicator: measured value + target + rule → achievement %.
* `engine.rollup`      – objectives, units, persons and the ente from flat records.
* `engine.status`      – in-year status of an objective (in linea, a rischio, in ritardo, …).
* `engine.formula`     – safe evaluator for user-written indicator formulas.
* `engine.numbers`, `engine.explanation` – Decimal helpers and the "come è calcolato" record.

Why Django-free
---------------
The engine imports neither Django nor any project app. Its inputs are frozen dataclasses of
`Decimal`, `date` and ids, its outputs the same plus an `Explanation`. This keeps the SMVP rules
testable in milliseconds with property-based tests, makes every result reproducible from the
data alone (the OIV can re-run a score from an export), lets the same code serve views, the API,
background tasks and the interchange format, and forces the apps to load a whole cycle with a
constant number of queries and hand the rows over in one call (no per-item I/O inside loops).

Numbers and rounding
--------------------
* Every percentage is a `Decimal`; floats are never produced (config values that arrive as JSON
  floats are converted through their shortest repr, `0.1` → `Decimal("0.1")`).
* Arithmetic runs in the engine's own context (`numbers.ARITHMETIC`: 28 significant digits,
  errors trapped), whatever the caller's thread-local context is.
* Internal precision: results are quantized to 6 decimal places, ROUND_HALF_UP
  (`numbers.internal`). Roll-ups average these stored values, so a unit's score is exactly
  reproducible from its objectives' scores.
* Presentation: ROUND_HALF_UP to 2 places (`numbers.present`, the `display_percent` properties),
  written the Italian way ("60,36 %", "1.700") by `numbers.format_number`/`format_percent`.
  Rounding for presentation happens only at the edge, never before a further computation.

Every result carries an `Explanation`: the rule's code and Italian name, a human-readable Italian
text with the inputs and the arithmetic, and structured data (`to_dict()` is JSON-ready).
"""
