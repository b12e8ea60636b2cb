"""Dialoog loaders: parse landed exports and reference files into the raw layer of the warehouse."""
