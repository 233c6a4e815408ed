"""The autograder's points: the one table course staff edit.

    SECTIONS        the handout's rubric for the code: section -> points (14 in all)
    CLASSES         each test class of the public and private modules -> its section, or
                    None for 0 points (what the skeleton gives complete, and plot_curves,
                    which is graded with the write-up)
    RULE_PENALTIES  what breaking a rule that does not zero the score costs (0: reported only)

To change the points, edit SECTIONS; to move a test class, edit CLASSES; then build the zip
again (`python -m lab.release autograder OUT.zip`). A section's points are split evenly
across its tests (public and private alike) that the student release fails: a test that the
release's stubs already pass (an input left unchanged, say) measures nothing a student wrote,
so it runs and shows but is worth 0. The build finds those tests by grading the release. A
test added to a class changes the share of every test of its section, never the section's
total. A test class missing from CLASSES stops the build, so no test scores nothing by accident.
"""
from lab.grade import COURSE_TESTS

SECTIONS = {'data loading': 2, 'utility functions': 4, 'models': 4, 'optimizer': 4}

PUBLIC_TESTS = COURSE_TESTS
PRIVATE_TESTS = ('tests.private.test_private_loading', 'tests.private.test_private_utility',
                 'tests.private.test_private_models', 'tests.private.test_private_optimizer',
                 'tests.private.test_private_plot')

CLASSES = {
    # tests.test_loading
    'TestLoadMnist': 'data loading',
    'TestLoadCsv': None,                       # load_csv: the skeleton gives it complete
    'TestGenerateBatchedData': 'data loading',
    # tests.test_activation, tests.test_loss
    'TestSigmoid': 'utility functions',
    'TestSigmoidDerivative': 'utility functions',
    'TestReLU': 'utility functions',
    'TestSoftmax': 'utility functions',
    'TestCrossEntropy': 'utility functions',
    'TestAccuracy': 'utility functions',
    # tests.test_network
    'TestSoftmaxRegressionInit': None,         # the weight initialisation: given complete
    'TestTwoLayerNetInit': None,
    'TestSoftmaxRegressionForward': 'models',
    'TestTwoLayerNetForward': 'models',
    'TestValidModeLeavesTheModelAlone': 'models',
    # tests.test_training
    'TestRegularization': 'optimizer',
    'TestSGD': 'optimizer',
    'TestTrainAndEvaluate': None,              # train and evaluate: given complete
    'TestPlotCurves': None,                    # graded with the write-up
    # tests.private
    'TestSplitFacts': 'data loading',
    'TestBatchingFacts': 'data loading',
    'TestActivationFacts': 'utility functions',
    'TestSoftmaxAndLossFacts': 'utility functions',
    'TestExtremeInputs': 'utility functions',
    'TestForwardOnOtherShapes': 'models',
    'TestGradientsMatchFiniteDifferences': 'models',
    'TestRegularizationFacts': 'optimizer',
    'TestSGDFacts': 'optimizer',
    'TestPlotCurvesHeadless': None,            # graded with the write-up
}

# The handout's rules that do not zero the score: points taken off the total when broken.
# 0 reports the rule as a visible test worth nothing.
RULE_PENALTIES = {'imports': 0, 'configs': 0}

# Scores are given to this many decimals; each section's shares add up to its points exactly.
DECIMALS = 4


def section_of(test_id):
    """The section of a test ('tests.test_loss.TestSoftmax.test_x' -> 'utility functions'),
    None for 0 points; KeyError if its class is not in CLASSES."""
    return CLASSES[test_id.split('.')[-2]]


def max_scores(test_ids, stub_passes=()):
    """{test id: its points} for the tests of a whole grade: each section's points split
    evenly across its tests but those in stub_passes (the tests the student release passes;
    0 points), in units of 10**-DECIMALS, the remainder one unit each to the first tests, so
    that a full pass scores sum(SECTIONS.values()) exactly.
    KeyError if a test's class is not in CLASSES, ValueError if a section has no test."""
    stub_passes = set(stub_passes)
    unit = 10 ** DECIMALS
    by_section = {section: [] for section in SECTIONS}
    scores = {}
    for test_id in test_ids:
        section = section_of(test_id)
        if section is None or test_id in stub_passes:
            scores[test_id] = 0.0
        else:
            by_section[section].append(test_id)
    for section, tests in by_section.items():
        if not tests:
            raise ValueError(f'no test scores the section {section!r} ({SECTIONS[section]} '
                             'points) and fails on the student release: give it a test class '
                             'in CLASSES')
        share, extra = divmod(SECTIONS[section] * unit, len(tests))
        for index, test_id in enumerate(tests):
            scores[test_id] = (share + (index < extra)) / unit
    return scores
