"""What the course hands out, made from ``source/``.

* :mod:`.inline`   – ``student_side/`` written into the source notebooks (set-up cell, data cells, requirements)
* :mod:`.generate` – ``source/`` → ``release/``: student notebooks through nbgrader's generate_assignment
* :mod:`.gradescope_bundle` – one problem set's Gradescope autograder (``gradescope/<ps>.zip``)
"""
