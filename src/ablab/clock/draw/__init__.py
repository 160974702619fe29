"""Everything that paints a clock: a ClockStyle (style), sampled from a preset (presets, presets_varied), drawn
as a dial with numerals (fonts, geometry, dial) and hands (hands), then photographed (camera: rotation, tilt,
mirror, blur, noise, JPEG) into one image (render); contact sheets of labelled images (sheet).

Imports nothing else of ablab.clock: drawing knows no data sets and no readers.
"""
