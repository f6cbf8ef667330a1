"""Experiment -> cells and jobs: the grid, exclude and --only, cell ids, run order."""
