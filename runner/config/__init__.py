"""The experiment file: YAML -> a validated ``Experiment`` (loader with positions, the
schema, the interpreters axis)."""
