"""lab/surface.py: the stripped surface, found in the graded files, stripped and put back."""
import ast
import unittest
from unittest import mock

from lab import surface
from tests import ROOT

TOY = '''"""A toy module."""


def kept(x):
    """Stays as it is."""
    return x + 1


class Model:
    def forward(self, X):
        """Doubles X.

        Shapes: X (N, D) -> (N, D).
        """
        doubled = X * 2
        return doubled    # the answer

    def undocumented(self):
        return 42
'''


def toy_part(function, placeholder='None'):
    return surface.Part('toy.py', function, '9 (z)', 'Write it.', placeholder)


class TestTheSurfaceMatchesTheGradedFiles(unittest.TestCase):
    def test_every_part_names_a_function_of_its_file(self):
        for part in surface.SURFACE:
            with self.subTest(part.function):
                tree = ast.parse((ROOT / part.file).read_text(encoding='utf-8'))
                self.assertIsInstance(surface.find(tree, part.function), ast.FunctionDef)

    def test_what_the_skeleton_gives_complete_is_not_stripped(self):
        stripped = {part.function for part in surface.SURFACE}
        for complete in ('load_csv', 'train', 'evaluate', 'load_mnist_trainval',
                         'SoftmaxRegression._weight_init', 'TwoLayerNet._weight_init'):
            self.assertNotIn(complete, stripped)

    def test_a_missing_function_is_named(self):
        with self.assertRaisesRegex(LookupError, 'Model.backward'):
            surface.find(ast.parse(TOY), 'Model.backward')


class TestStrip(unittest.TestCase):
    def setUp(self):
        parts = [toy_part('Model.forward', 'None    # doubled'), toy_part('Model.undocumented')]
        patcher = mock.patch.object(surface, 'SURFACE', tuple(parts))
        patcher.start()
        self.addCleanup(patcher.stop)
        self.stripped = surface.strip(TOY, 'toy.py')

    def test_a_body_after_its_docstring_becomes_a_todo_and_a_placeholder(self):
        self.assertIn('        Shapes: X (N, D) -> (N, D).\n        """\n'
                      '        # TODO (handout 9 (z)): Write it.\n'
                      '        return None    # doubled\n', self.stripped)
        self.assertNotIn('doubled = X * 2', self.stripped)

    def test_a_body_without_docstring_is_stripped_whole(self):
        self.assertIn('    def undocumented(self):\n        # TODO (handout 9 (z)): Write it.\n'
                      '        return None\n', self.stripped)
        self.assertNotIn('42', self.stripped)

    def test_other_functions_and_the_module_stay_as_they_are(self):
        self.assertTrue(self.stripped.startswith(TOY[:TOY.index('class Model')]))

    def test_stubs_run_and_return_their_placeholders(self):
        namespace = {}
        exec(compile(self.stripped, 'toy.py', 'exec'), namespace)
        model = namespace['Model']()
        self.assertIsNone(model.forward(3))
        self.assertEqual(namespace['kept'](1), 2)

    def test_a_blank_line_after_the_docstring_keeps_the_stub_inside_its_function(self):
        spaced = TOY.replace('        """\n        doubled', '        """\n\n        doubled')
        self.assertNotEqual(spaced, TOY)
        stripped = surface.strip(spaced, 'toy.py')
        compile(stripped, 'toy.py', 'exec')
        self.assertIn('\n        return None    # doubled\n', stripped)

    def test_solution_lines_are_exactly_the_bodies_taken_out(self):
        self.assertEqual(surface.solution_lines(TOY, 'toy.py'),
                         ['        doubled = X * 2', '        return doubled    # the answer',
                          '        return 42'])

    def test_pasting_the_solution_back_gives_the_original(self):
        self.assertEqual(surface.paste(self.stripped, TOY, 'toy.py'), TOY)


class TestTheGradedFilesStripped(unittest.TestCase):
    def test_each_stripped_file_compiles_and_keeps_every_signature_and_docstring(self):
        for file in surface.FILES:
            with self.subTest(file):
                source = (ROOT / file).read_text(encoding='utf-8')
                before, after = ast.parse(source), ast.parse(surface.strip(source, file))
                for part in surface.parts_of(file):
                    old = surface.find(before, part.function)
                    new = surface.find(after, part.function)
                    self.assertEqual(ast.dump(old.args), ast.dump(new.args))
                    self.assertEqual(ast.get_docstring(old), ast.get_docstring(new))

    def test_released_strips_the_surfaces_files_and_keeps_the_others(self):
        texts = {'models/__init__.py': 'kept = 1\n', 'optimizer/sgd.py':
                 (ROOT / 'optimizer/sgd.py').read_text(encoding='utf-8')}
        found = surface.released(texts.__getitem__, list(texts))
        self.assertEqual(found['models/__init__.py'], 'kept = 1\n')
        self.assertIn('# TODO (handout 3 (b))', found['optimizer/sgd.py'])

    def test_pasting_back_restores_every_graded_file(self):
        for file in surface.FILES:
            with self.subTest(file):
                source = (ROOT / file).read_text(encoding='utf-8')
                self.assertEqual(surface.paste(surface.strip(source, file), source, file), source)


if __name__ == '__main__':
    unittest.main()
