"""``python -m autograder …``; see :mod:`autograder.cli` (which also sets one BLAS thread before NumPy loads)."""

if __name__ == "__main__":
    # Imported here, not at module level: worker processes re-import
    # ``__main__`` modules, and they must stay free of grading code.
    from autograder.cli import main

    raise SystemExit(main())
