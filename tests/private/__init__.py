"""The private tests: what the course-named public tests leave open.

An autograder runs them hidden, in a grader's folder that holds only the student's graded
files, tests/__init__.py, the course-named tests, this package and data/ with the course's
two CSVs. So they use the course's API only (utils.load_mnist_trainval,
generate_batched_data, plot_curves; models.SoftmaxRegression, TwoLayerNet, their weights
and gradients; optimizer.SGD), and stdlib, numpy and matplotlib only. Each module tests
one section of the handout's rubric and relies on no other section's code, so that a
fault loses points in its own section only (tests/test_private_tests.py checks that).
"""
