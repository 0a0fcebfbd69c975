"""The grading engine: sandboxed, parallel, tamper-resistant ``autograde``.

One module per step, in the order a submission meets them:

* :mod:`autograder.model.submissions` – find the submissions in submitted/ (no symlink followed), account
  for the rest; :mod:`autograder.model.notebook` – read the source notebook (trusted) and a submission
  (not), within the caps (in the model: the similarity report reads submissions by the same rules)
* :mod:`.restore`   – rebuild the submission on the source's locked cells; tamper report
* :mod:`autograder.perimeter.supervision.zygote_parent` – parent side of the warm zygote: spawn and kill
  sandboxed children (in the perimeter's trusted half)
* :mod:`autograder.perimeter.supervision.session` – the session: run the cells with timeouts and respawns (the
  perimeter's trusted half, as :mod:`~autograder.perimeter.supervision.answers`, which decodes the child's answers)
* :mod:`.remote_target` – the checks' target over the session: calls sent to the child, probes as streams
* :mod:`.reference_process` – carried-forward answers of the reference, computed where a blow-up cannot take the grader down
* :mod:`.static`    – forbidden library calls and tampering flags read from the source (trusted side)
* :mod:`.grade`     – one submission → its results.json content (bounded and written by the model,
  :mod:`autograder.model.results`)
* :mod:`.batch`     – plan, shard, grade a batch with N workers (each failure its submission's own)

What runs beside student code (confinement, zygote, child, wire, invoke, the guard) and what watches it
is :mod:`autograder.perimeter`; the command is :mod:`autograder.commands.autograde`.
The engine imports the model, the checks and the perimeter, never the reports.

Importing this package imports nothing; each name is imported from its module
(``from autograder.engine.batch import grade_batch``), the one path to it.
"""
