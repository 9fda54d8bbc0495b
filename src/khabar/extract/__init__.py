"""Extraction: text -> actors, places, dates, quantities, events and claims, each with its evidence.

The entry point is khabar.extract.pipeline.load_pipeline(); stages are spaCy components registered
under the names in khabar.extract.pipeline.STAGES, each testable alone.
"""
