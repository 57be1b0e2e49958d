"""For teachers: a different exercise for every student, answer keys, platforms, grading.

One module per concept:

- ``spec``: ``SPEC.toml`` and the roster, validated at the boundary;
- ``variants``: each student's example, drawn from (seed, id), well-posed and distinct;
  the asked quantities (names and groups) as check names;
- ``questions``: a variant as given values and asked values with their working;
- ``example_file``: an example written back as an example file;
- ``answer_key``, ``latex``, ``moodle``, ``gift``, ``qti`` (Canvas), ``prairielearn``,
  ``gradescope``: one output format each;
- ``exercises``: ``glassnet exercises``, all of them for a class; ``output``: its folder;
- ``grade`` and ``summary``: ``glassnet grade``, the gradebook and the class summary.

See ``docs/exercises.md``.
"""
