"""The autograder's check that the graded files import: the handout's rule that code which
does not run in the test environment scores 0.

lab.autograder copies this module into the grading folder as
tests/test_graded_files_import.py and runs it first, with lab.grade's engine, like the
tests: an import that fails, hangs or prints is caught as in any test. Standard library only
(it runs with the submission, on Python 3.8+).
"""
import importlib
import unittest


class TestGradedFilesImport(unittest.TestCase):
    def assert_imports(self, module, names):
        imported = importlib.import_module(module)
        for name in names:
            self.assertTrue(hasattr(imported, name), f'{module} defines no {name}')

    def test_utils_imports(self):
        self.assert_imports('utils', ['load_mnist_trainval', 'load_mnist_test',
                                      'generate_batched_data', 'train', 'evaluate'])

    def test_models_import(self):
        self.assert_imports('models', ['SoftmaxRegression', 'TwoLayerNet'])

    def test_optimizer_imports(self):
        self.assert_imports('optimizer', ['SGD'])
