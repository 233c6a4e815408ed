"""Activation functions of ``_baseNetwork``: sigmoid, sigmoid_dev, ReLU, ReLU_dev.

Expected values are worked out by hand (e.g. sigmoid(ln 3) = 3/4), and the
functions must stay finite and silent (no overflow/invalid warnings) for
inputs in the thousands.
"""
import decimal
import math
import unittest

import numpy as np

from models._base_network import _baseNetwork
from tests import no_numeric_warnings


class TestSigmoid(unittest.TestCase):
    def setUp(self):
        self.net = _baseNetwork()

    def test_sigmoid_of_zero_is_one_half(self):
        out = self.net.sigmoid(np.zeros((2, 3)))
        self.assertEqual(out.shape, (2, 3))
        np.testing.assert_allclose(out, 0.5, rtol=0, atol=1e-15)

    def test_sigmoid_matches_hand_values(self):
        x = np.array([[math.log(3.0), -math.log(3.0), math.log(0.25)]])
        # s(ln 3) = 3/4, s(-ln 3) = 1/4, s(ln 1/4) = 1/5
        np.testing.assert_allclose(self.net.sigmoid(x), [[0.75, 0.25, 0.2]], rtol=1e-12)

    def test_sigmoid_of_huge_inputs_is_finite_0_or_1_and_silent(self):
        # s(-710) = 4.5e-309, a subnormal that 0 also approximates to 1e-300; below
        # about -745, s(x) rounds to exactly 0, and above about 37 to exactly 1. (Each value
        # checked against 0 or 1 is thereby finite: nan or inf would fail.)
        x = np.array([[-710.0, 710.0], [-750.0, 750.0], [-1000.0, 1000.0],
                      [-5000.0, 5000.0], [-1e4, 1e4]])
        with no_numeric_warnings():
            out = self.net.sigmoid(x)
        np.testing.assert_allclose(out[0, 0], 0.0, rtol=0, atol=1e-300)
        np.testing.assert_array_equal(out[1:, 0], 0.0)
        np.testing.assert_array_equal(out[:, 1], 1.0)

    def test_sigmoid_matches_the_logistic_function_to_1e15_relative(self):
        # Reference: 1 / (1 + e^-x) with 40 significant digits, from the decimal module.
        grid = np.linspace(-700.0, 40.0, 2961)         # every 0.25: all values are normal floats
        context = decimal.Context(prec=40)
        exact = [float(context.divide(1, 1 + context.exp(-decimal.Decimal(x)))) for x in grid]
        np.testing.assert_allclose(self.net.sigmoid(grid), exact, rtol=1e-15, atol=0)

    def test_sigmoid_does_not_modify_its_input(self):
        x = np.array([[-1.0, 0.0, 2.0]])
        before = x.copy()
        self.net.sigmoid(x)
        np.testing.assert_array_equal(x, before)


class TestSigmoidDerivative(unittest.TestCase):
    def setUp(self):
        self.net = _baseNetwork()

    def test_sigmoid_dev_at_zero_is_one_quarter(self):
        np.testing.assert_allclose(self.net.sigmoid_dev(np.zeros((1, 4))), 0.25, rtol=1e-15)

    def test_sigmoid_dev_is_evaluated_at_the_pre_activation(self):
        # At x = ln 3: s = 3/4 and s(1 - s) = 3/16. Someone applying the
        # formula to an already-activated value would get s(3/4)(1 - s(3/4)).
        x = np.array([[math.log(3.0), -math.log(3.0)]])
        np.testing.assert_allclose(self.net.sigmoid_dev(x), [[3 / 16, 3 / 16]], rtol=1e-12)

    def test_sigmoid_dev_equals_s_times_one_minus_s(self):
        x = np.linspace(-8.0, 8.0, 33).reshape(3, 11)
        s = 1.0 / (1.0 + np.exp(-x))
        np.testing.assert_allclose(self.net.sigmoid_dev(x), s * (1.0 - s), rtol=1e-10, atol=1e-15)

    def test_sigmoid_dev_is_finite_and_silent_for_huge_inputs(self):
        x = np.array([[-1000.0, 1000.0, -3000.0, 3000.0]])
        with no_numeric_warnings():
            out = self.net.sigmoid_dev(x)
        self.assertTrue(np.all(np.isfinite(out)))
        np.testing.assert_allclose(out, 0.0, atol=1e-300)


class TestReLU(unittest.TestCase):
    def setUp(self):
        self.net = _baseNetwork()

    def test_relu_zeroes_negatives_and_keeps_positives(self):
        x = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, -1e-9]])
        np.testing.assert_array_equal(self.net.ReLU(x), [[0.0, 0.0, 0.0], [0.5, 3.0, 0.0]])

    def test_relu_does_not_modify_its_input(self):
        x = np.array([[-2.0, 1.0]])
        self.net.ReLU(x)
        np.testing.assert_array_equal(x, [[-2.0, 1.0]])

    def test_relu_dev_is_one_for_positive_and_zero_elsewhere(self):
        x = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, 1e-12]])
        out = self.net.ReLU_dev(x)
        self.assertEqual(out.shape, x.shape)
        np.testing.assert_array_equal(out, [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])

    def test_relu_dev_of_zero_is_zero(self):
        out = self.net.ReLU_dev(np.zeros((2, 2)))
        np.testing.assert_array_equal(out, np.zeros((2, 2)))

    def test_relu_dev_returns_floats(self):
        out = np.asarray(self.net.ReLU_dev(np.array([[-1.0, 2.0]])))
        self.assertTrue(np.issubdtype(out.dtype, np.floating), out.dtype)

    def test_relu_and_its_derivative_are_silent_for_huge_inputs(self):
        x = np.array([[-1e4, 1e4, -1000.0, 1000.0]])
        with no_numeric_warnings():
            r = self.net.ReLU(x)
            d = self.net.ReLU_dev(x)
        np.testing.assert_array_equal(r, [[0.0, 1e4, 0.0, 1000.0]])
        np.testing.assert_array_equal(d, [[0.0, 1.0, 0.0, 1.0]])


if __name__ == '__main__':
    unittest.main()
