"""Download MNIST again into this folder and verify it.

The project ships MNIST in data/, so this is only for a copy that is missing
or damaged. Usage, from anywhere:

    python data/download_mnist.py

Each file is fetched from the first public mirror that answers, its
decompressed content is checked against SHA256SUMS (the mirrors compress
differently, but the content is the same), and only then does it replace the
file here.
"""
import gzip
import hashlib
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def expected_digests():
    """{name: sha256 of the decompressed content} from SHA256SUMS."""
    digests = {}
    for line in (HERE / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            digests[name] = digest
    return digests


def fetch(name, digest):
    """Download name.gz from the first mirror whose copy has the right content."""
    for mirror in MIRRORS:
        url = mirror + name + ".gz"
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                compressed = response.read()
            content_digest = hashlib.sha256(gzip.decompress(compressed)).hexdigest()
        except OSError as err:
            print(f"  {url}: {err}")
            continue
        if content_digest == digest:
            return compressed
        print(f"  {url}: content has SHA-256 {content_digest}, expected {digest}")
    sys.exit(f"Could not get a verified copy of {name}. Check your internet connection, "
             "or copy the four .gz files from a fresh clone of the project.")


def main():
    digests = expected_digests()
    for name in FILES:
        print(f"{name}.gz ...")
        compressed = fetch(name, digests[name])
        partial = HERE / (name + ".gz.part")
        partial.write_bytes(compressed)
        partial.replace(HERE / (name + ".gz"))
        print(f"  verified, {len(compressed):,} bytes saved")
    print("MNIST is in place in", HERE)


if __name__ == "__main__":
    main()
