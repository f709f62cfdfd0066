"""Scale benchmarks (issue 7): realistic data generator and the runner measuring the engine against the simulators."""
