"""The project's benchmarks, each run from the project folder as a module:

    python -m benchmarks.benchmark [--quick]    # speed and memory against the machine's limit
    python -m benchmarks.loading                # loading against its floor
    python -m benchmarks.notebook               # the whole notebook, one worker against the default
    python -m benchmarks.profile_epoch          # where an epoch's time goes (needs line_profiler)
    python -m benchmarks.robustness             # what the input checks cost
    python -m benchmarks.tune_twolayer ...      # how configs/config_best.yaml was chosen
    python -m benchmarks.train_best             # its run, with the figures the README quotes
    python -m benchmarks.mutation               # do the autograder's tests catch wrong code?

machine.py holds what they share: the machine's description, BLAS threads, peak memory.
This file imports nothing: the benchmarks fix BLAS threads before numpy is imported.
"""
