"""lab/parameters.py: the notebooks' parameters as papermill passes them (texts and floats)."""
import unittest

from lab import parameters


class TestFlag(unittest.TestCase):
    def test_true_and_false_as_papermill_passes_them(self):
        for value, expected in ((True, True), (False, False), ('false', False), ('True', True),
                                (' yes ', True), ('0', False)):
            with self.subTest(value=value):
                self.assertIs(parameters.flag('QUICK', value), expected)

    def test_anything_else_is_refused_by_name(self):
        for value in ('maybe', 2, None, 1.0):
            with self.subTest(value=value), self.assertRaises(ValueError) as caught:
                parameters.flag('QUICK', value)
            self.assertIn('QUICK must be True or False', str(caught.exception))


class TestWhole(unittest.TestCase):
    def test_whole_numbers_as_texts_floats_or_ints(self):
        for value in (3, 3.0, '3', '3.0'):
            with self.subTest(value=value):
                self.assertEqual(parameters.whole('EPOCHS', value, 1), 3)
        self.assertIsNone(parameters.whole('EPOCHS', None, 1))

    def test_anything_else_is_refused_by_name_never_by_python(self):
        for value in (2.5, '2.5', 0, True, 'three', float('inf'), 'inf', float('nan'), 'nan',
                      '1e400', [3]):
            with self.subTest(value=value), self.assertRaises(ValueError) as caught:
                parameters.whole('EPOCHS', value, 1)
            self.assertIn('EPOCHS must be a whole number of at least 1', str(caught.exception))


if __name__ == '__main__':
    unittest.main()
