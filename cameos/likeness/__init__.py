"""The likeness engine: pure code, arrays in and dataclasses out, no ORM (DESIGN.md §4).

OpenCV, PyAV and numpy are imported inside this package only, and this package is imported only by
worker-side code (tasks, the gallery's search, benchmarks): the web process never loads it.
"""
