"""Showing figures the notebook has just saved.

In a notebook the saved PNG file is displayed as it is, rather than letting
the inline backend draw the figure a second (with its tight bounding box, a
third) time, which cost a large share of each plotting cell. Outside a
notebook, figures are shown the usual way, in a window.
"""
from pathlib import Path


def in_kernel():
    """True inside a Jupyter/Colab kernel, where inline images and display
    handles work (not in a terminal IPython shell)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, 'kernel', None) is not None


def show_png(path):
    """Display a PNG file inline."""
    from IPython.display import Image, display
    display(Image(filename=str(Path(path))))


def show_saved(fig, path):
    """Show fig, already saved to the PNG file path, and close it."""
    import matplotlib.pyplot as plt
    if not in_kernel():
        plt.show()
        return
    plt.close(fig)
    show_png(path)
