"""The pipeline's steps, as plain functions the DAGs call (and a test or a shell can): load, build, validate,
publish, audit; :mod:`steps.plan` decides whether a run has anything to build."""
