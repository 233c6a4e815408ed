"""Colab, emulated: the student's path through Google Colab, run here.

TestRequirementsFitColab checks, offline, that Colab's preinstalled versions
meet every lower bound of the requirement files, so that nothing asks a Colab
user to upgrade Colab's own kernel.

TestColab builds a Colab-like machine and runs both notebooks in it:
  * Python 3.12 from pyenv, in a venv with Colab's versions of late 2025
    (numpy 2.0.2, matplotlib 3.10.0, IPython 7.34.0, ipykernel 6.17.1 and
    jupyter-client 6.1.12), plus PyYAML, nbformat, nbconvert and threadpoolctl,
    which Colab also has, at the versions pip picks;
  * a stand-in google.colab, imported when the kernel starts (as Colab's is),
    whose drive.mount makes the mount point a link to a folder standing for
    the student's Google Drive; the project is copied into that "Drive" as
    MyDrive/hw1, the notebooks' default FOLDER (by copy_repo: the template
    notebook and the course's configs, never the user's own);
  * the kernel started in another folder, standing for Colab's /content. Code
    that names /content/... is pointed at that folder by the stand-in (an
    input transformer), since this machine has no /content of its own.
papermill, from this test's Python, drives that kernel: main.ipynb in quick
mode, saved in place (as Colab saves it to Drive), then collect_submission.ipynb;
then collect again after main.ipynb was saved without outputs, as Colab's
"Omit code cell output when saving this notebook" saves it.

It installs packages from the index, so it runs only with HW1_FULL_TESTS=1
(CI sets it); a user's offline `python -m unittest` skips it. It skips too
when Python 3.12 is not installed, and when pandoc or XeLaTeX is missing
(unless HW1_REQUIRE_TEX=1 makes that a failure).
"""
import json
import os
import re
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import nbformat
from packaging.requirements import Requirement

from lab.archive import ARCHIVE_NAME
from lab.grade import REQUIRED
from lab.pdf import missing_tex_tools
from tests import ROOT, find_python, full_only
from tests.test_archive import zip_names
from tests.test_grade import run
from tests.test_notebooks import FAST_COURSE_TESTS, PLOTS, copy_repo
from tests.test_writeup import answered

# Colab's preinstalled versions, late 2025, of what the requirement files name.
COLAB = {'numpy': '2.0.2', 'matplotlib': '3.10.0', 'ipython': '7.34.0', 'ipykernel': '6.17.1',
         'pyyaml': '6.0.2', 'notebook': '6.5.7', 'jupyter-client': '6.1.12'}
COLAB_PINNED = ['numpy', 'matplotlib', 'ipython', 'ipykernel', 'jupyter-client']
ALSO_IN_COLAB = ['pyyaml', 'nbformat', 'nbconvert', 'threadpoolctl']

STAND_IN = {
    'google/colab/__init__.py': '''\
"""A stand-in for Colab's google.colab (tests/test_colab.py). Colab's /content is the
folder COLAB_CONTENT names: code that names /content/... is pointed there."""
import os

from IPython import get_ipython

CONTENT = os.environ['COLAB_CONTENT']


def _to_content(lines):
    return [line.replace('/content/', CONTENT + '/') for line in lines]


if get_ipython() is not None:
    get_ipython().input_transformers_cleanup.append(_to_content)
''',
    'google/colab/drive.py': '''\
"""drive.mount, standing in: the mount point becomes a link to the folder COLAB_DRIVE names."""
import os


def mount(mountpoint, force_remount=False, timeout_ms=120000, readonly=False):
    if os.path.islink(mountpoint) and not force_remount:
        print(f'Drive already mounted at {mountpoint}; to attempt to forcibly remount, '
              'call drive.mount("/content/drive", force_remount=True).')
        return
    os.symlink(os.environ['COLAB_DRIVE'], mountpoint)
    print(f'Mounted at {mountpoint}')
''',
}


def requirements(name):
    """The requirements a file of ours names, following -r includes."""
    found = []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split('#')[0].strip()
        if line.startswith('-r '):
            found += requirements(line[3:].strip())
        elif line:
            found.append(Requirement(line))
    return found


class TestRequirementsFitColab(unittest.TestCase):

    def test_colabs_versions_meet_every_bound(self):
        for name in ('requirements.txt', 'requirements-dev.txt'):
            for requirement in requirements(name):
                key = requirement.name.lower()
                if key in COLAB:
                    with self.subTest(file=name, requirement=str(requirement)):
                        self.assertTrue(requirement.specifier.contains(COLAB[key]),
                                        f'Colab has {key} {COLAB[key]}')

    def test_the_notebooks_needs_are_all_in_colab(self):
        names = {requirement.name.lower() for requirement in requirements('requirements.txt')}
        self.assertEqual(names - set(COLAB), set())


def tex_missing():
    return bool(missing_tex_tools()) and os.environ.get('HW1_REQUIRE_TEX') != '1'


@full_only("Colab emulated: installs Colab's packages from the index and runs both notebooks")
@unittest.skipIf(tex_missing(), 'pandoc or XeLaTeX is not installed: cannot make a PDF')
class TestColab(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        python = find_python('3.12')
        if python is None:
            raise unittest.SkipTest("Python 3.12 (Colab's) is not installed on this machine")
        cls.tmp = tempfile.TemporaryDirectory(prefix='hw1-colab-')
        cls.addClassCleanup(cls.tmp.cleanup)
        root = Path(cls.tmp.name)
        venv = root / 'venv'
        run(python, '-m', 'venv', str(venv))
        cls.python = str(venv / 'bin' / 'python')
        run(cls.python, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check',
            *[f'{name}=={COLAB[name]}' for name in COLAB_PINNED], *ALSO_IN_COLAB)
        for name, source in STAND_IN.items():
            (root / 'stand-in' / name).parent.mkdir(parents=True, exist_ok=True)
            (root / 'stand-in' / name).write_text(source)
        cls.content = root / 'content'          # Colab's /content, where the kernel starts
        cls.content.mkdir()
        drive = root / 'drive'                  # the student's Google Drive
        cls.folder = drive / 'MyDrive' / 'hw1'
        copy_repo(cls.folder)             # the template notebook, the course's configs
        (cls.folder / 'runs').rmdir()     # as the student uploads it: no runs/ yet
        kernels = root / 'jupyter' / 'kernels' / 'colab'
        kernels.mkdir(parents=True)
        (kernels / 'kernel.json').write_text(json.dumps({
            'argv': [cls.python, '-m', 'ipykernel_launcher', '-f', '{connection_file}',
                     '--IPKernelApp.exec_lines=import google.colab'],
            'display_name': 'Colab (emulated)', 'language': 'python',
            'env': {'PYTHONPATH': str(root / 'stand-in'), 'COLAB_CONTENT': str(cls.content),
                    'COLAB_DRIVE': str(drive), 'OPENBLAS_NUM_THREADS': '1',
                    # ipykernel 6's debugger, on Python 3.11 and later, warns at each start
                    # that frozen modules may hide breakpoints: nothing to do with this test.
                    'PYDEVD_DISABLE_FILE_VALIDATION': '1'}}))
        cls.jupyter_path = str(root / 'jupyter')
        cls.main = cls.execute('main.ipynb', QUICK=True, UNIT_TESTS=FAST_COURSE_TESTS)

    @classmethod
    def execute(cls, notebook, **parameters):
        """Run a notebook of the Drive's folder in the emulated kernel and save it in place,
        as Colab saves it to Drive; return it as saved."""
        import papermill
        path = str(cls.folder / notebook)
        with mock.patch.dict(os.environ, JUPYTER_PATH=cls.jupyter_path):
            papermill.execute_notebook(path, path, parameters=parameters, kernel_name='colab',
                                       cwd=str(cls.content), progress_bar=False)
        return nbformat.read(path, as_version=4)

    def printed(self, nb):
        return ''.join(output.get('text', '') for cell in nb.cells if cell.cell_type == 'code'
                       for output in cell.outputs)

    def test_main_runs_in_colab_from_the_drive(self):
        said = self.printed(self.main)
        self.assertIn('Mounted at', said)          # the Colab branch of cell 1 ran
        self.assertIn("Working in the assignment folder 'hw1'", said)
        self.assertRegex(said, r'Ran \d+ tests')
        plots = [output for cell in self.main.cells if cell.cell_type == 'code'
                 for output in cell.outputs if 'image/png' in output.get('data', {})]
        self.assertEqual(len(plots), PLOTS)
        self.assertTrue((self.folder / 'runs' / 'best' / 'results.json').is_file())
        # Everything lands in the Drive's folder; /content holds only the mount point.
        self.assertEqual(sorted(p.name for p in self.content.iterdir()), ['drive'])

    def test_collect_in_colab_then_with_outputs_omitted(self):
        main = self.folder / 'main.ipynb'
        nbformat.write(answered(self.main), str(main))          # the student's answers, saved
        collected = self.execute('collect_submission.ipynb', PARTIAL_RUN=True)
        said = self.printed(collected)
        self.assertIn('main.ipynb, run and saved with its outputs', said)
        self.assertIn('Score: ', said)
        pages = int(re.search(r'Wrote main\.pdf: (\d+) pages', said).group(1))
        self.assertGreater(pages, 5)
        self.assertEqual((self.folder / 'main.pdf').read_bytes()[:5], b'%PDF-')
        self.assertEqual(zip_names(self.folder / ARCHIVE_NAME),
                         sorted(REQUIRED + ['configs/config_best.yaml']))
        # Colab's "Omit code cell output when saving this notebook": main.ipynb without plots.
        nb = nbformat.read(str(main), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == 'code':
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, str(main))
        (self.folder / ARCHIVE_NAME).unlink()
        import papermill
        with self.assertRaises(papermill.PapermillExecutionError) as caught:
            self.execute('collect_submission.ipynb')
        self.assertIn("Omit code cell output when saving this notebook'", str(caught.exception))
        self.assertTrue((self.folder / ARCHIVE_NAME).is_file())   # written first


if __name__ == '__main__':
    unittest.main()
