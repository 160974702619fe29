"""ablab: reproducible ablation studies of small Keras networks, and a clock reader.

The pipeline is YAML spec -> validated spec -> expand() into trial specs -> run_trial() -> store -> report.
"""

__version__ = "0.1.0"
