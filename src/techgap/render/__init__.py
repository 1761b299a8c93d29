"""Figures and tables, drawn from processed data only."""
