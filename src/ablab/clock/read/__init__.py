"""Reading clocks: label encodings (encodings), the common-sense error and a trial's worst readings (metrics),
the networks (networks, polar_net), the second stage (stages, polar, polar_stage), rotation voting for point
readers (tta), training (config, batches, train), and the one read path, Reader.read (reader).

May import ablab.clock.data and ablab.clock.draw; nothing imports it back.
"""
