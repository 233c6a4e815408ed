"""Download MNIST again, verify it and rebuild data/mnist.npz.

The project ships MNIST as data/mnist.npz, so this is only for a copy that is
missing or damaged. From anywhere:

    python data/download_mnist.py                  # from the public mirrors
    python data/download_mnist.py --mirror URL     # from another copy of MNIST's .gz files
    python data/download_mnist.py --from DIR       # from MNIST's four .gz files in DIR

Each file is checked against the SHA-256 of the original MNIST file before
the bundle is replaced. The work is done by lab/data.py.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.data import main  # noqa: E402  (needs the project folder on the path first)

if __name__ == '__main__':
    sys.exit(main())
