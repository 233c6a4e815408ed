"""lab/display.py: the progress bar of a training run, in a terminal (a text stream)
and in a real Jupyter kernel, where a saved notebook must keep only its final state."""
import io
import unittest

from lab import display
from tests import ROOT


def epoch_stats(epoch, epochs, valid_acc=0.5):
    return {'epoch': epoch, 'epochs': epochs, 'train_loss': 1.25, 'train_acc': 0.375,
            'valid_loss': 1.5, 'valid_acc': valid_acc}


class TestProgressBar(unittest.TestCase):

    def test_bar_fills_in_proportion(self):
        self.assertEqual(display.bar(0, 4, width=8), '[--------]')
        self.assertEqual(display.bar(1, 4, width=8), '[##------]')
        self.assertEqual(display.bar(4, 4, width=8), '[########]')

    def test_epoch_line_numbers_epochs_from_one(self):
        line = display.epoch_line(epoch_stats(2, 10, valid_acc=0.9123))
        self.assertTrue(line.startswith('epoch  3/10:'), line)
        self.assertIn('val loss 1.5000 acc 0.9123', line)
        self.assertIn('train loss 1.2500 acc 0.3750', line)

    def test_terminal_display_ends_with_full_bar_and_one_line_per_epoch(self):
        stream = io.StringIO()
        bar = display.Progress('demo', 3, stream=stream)
        for epoch in range(3):
            bar(epoch_stats(epoch, 3))
        bar.finish('test acc 0.9000')
        text = stream.getvalue()
        lines = [part.split('\r')[-1].strip() for part in text.split('\n')]
        epoch_lines = [line for line in lines if line.startswith('epoch ')]
        self.assertEqual([line[:11] for line in epoch_lines], ['epoch  1/3:', 'epoch  2/3:',
                                                               'epoch  3/3:'])
        final = text.rstrip('\n').split('\r')[-1]
        self.assertIn('[' + '#' * display.BAR_WIDTH + ']', final)
        self.assertIn('3/3 epochs', final)
        self.assertIn('test acc 0.9000', final)
        self.assertTrue(text.endswith('\n'))

    def test_the_bar_shows_the_time_the_run_reports_not_the_displays(self):
        # A run trained in a worker may end before its cell shows it: its own time counts.
        stream = io.StringIO()
        bar = display.Progress('best', 2, stream=stream)
        bar(dict(epoch_stats(0, 2), seconds=41.6))
        self.assertIn('1/2 epochs 42s', stream.getvalue().split('\r')[-1])
        bar(epoch_stats(1, 2))      # an epoch replayed from the result: the time stays the run's
        self.assertIn('2/2 epochs 42s', stream.getvalue().split('\r')[-1])
        bar.finish('test acc 0.9800', seconds=54.4)
        self.assertIn('2/2 epochs 54s | test acc 0.9800', stream.getvalue().split('\r')[-1])

    def test_in_a_kernel_the_saved_output_holds_only_the_final_bar(self):
        import nbformat
        from nbclient import NotebookClient
        source = ("from lab.display import Progress\n"
                  "bar = Progress('demo', 3)\n"
                  "for epoch in range(3):\n"
                  "    bar({'epoch': epoch, 'epochs': 3, 'train_loss': 1.0, 'train_acc': 0.5,\n"
                  "         'valid_loss': 1.0, 'valid_acc': 0.5})\n"
                  "bar.finish('all done')\n")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        NotebookClient(nb, kernel_name='python3', timeout=120,
                       resources={'metadata': {'path': str(ROOT)}}).execute()
        outputs = nb.cells[0].outputs
        displays = [o for o in outputs if o.output_type == 'display_data']
        self.assertEqual(len(displays), 1, outputs)
        final = displays[0].data['text/plain']
        self.assertIn('3/3 epochs', final)
        self.assertIn('all done', final)
        self.assertIn('<progress value="3" max="3"', displays[0].data['text/html'])
        printed = ''.join(o.text for o in outputs if o.output_type == 'stream')
        self.assertEqual(printed.count('epoch '), 3, printed)
        self.assertNotIn('\r', printed)


if __name__ == '__main__':
    unittest.main()
