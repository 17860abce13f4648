"""The media pipeline (DESIGN.md §6): frames → watermark → H.264 MP4 → poster JPEG → C2PA manifest.

Pure code: paths, bytes, numpy arrays and dataclasses in and out; no ORM. The pipeline
(generation/pipeline.py) wires these steps to jobs and storage.
"""
