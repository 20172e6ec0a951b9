"""Audio: clip cache, ffmpeg discovery, stitching, tags."""
