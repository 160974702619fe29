"""Everything that paints a clock: a ClockStyle (style), sampled from a preset (presets, presets_varied, presets_faces,
families, photo_floor; held_out for the families never trained on), drawn as a dial with numerals (fonts,
geometry, dial, face_art) and hands (hands), then photographed (camera: rotation, tilt, mirror, blur, noise, JPEG),
laid on a floor (backdrop) or set in a case with depth (case, which also gives the dial's ellipse in the picture)
into one image (render); contact sheets of labelled images (sheet).

Imports nothing else of ablab.clock: drawing knows no data sets and no readers.
"""
