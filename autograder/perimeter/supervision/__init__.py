"""The perimeter's trusted half: what the grader runs to watch its children and decode what they send.

Everything a child sends is hostile until read here, within bounds.

* :mod:`.zygote_parent` – the grader's side of the zygote: started, asked for children, slots killed; a
  child's answers read within size and value bounds (:class:`~.zygote_parent.Child`)
* :mod:`.session`       – the session of one submission: cells in order, timeouts, respawns, the carried-forward
  callbacks answered within bounds
* :mod:`.answers`       – a child's answers to the checks' requests decoded into plain data
* :mod:`.disk_watch`    – uid mode's disk quota, enforced from outside (a thread of the grader)
* :mod:`.held_folder`   – the grader's folders in the temporary directory, held while it lives

It imports the standard library, the wire format and the limits
(:mod:`autograder.perimeter.child_runtime.wire`,
:mod:`autograder.perimeter.confinement`), nothing else of the product.
Importing this package imports nothing.
"""
