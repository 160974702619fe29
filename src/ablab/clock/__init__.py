"""Clocks: drawing them, data sets of them, and reading the time from them (the report's task 3).

Three sub-packages, imports pointing one way, read → data → draw (never back):
  draw/  paints a clock (style, presets, fonts, dial, hands, camera and photo effects, render, contact sheets)
  data/  generated sets and the report's .npy format (one loader), landmark points, splits in memory
  read/  encodings, metrics, networks, training, and the one read path (reader.Reader)
"""
