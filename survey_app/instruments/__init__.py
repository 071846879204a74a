"""Questionnaire instruments beyond the file format: routing conditions (and, later, XLSForm)."""
