"""Evaluator exports: the long CSV, wide CSV, Excel, SPSS and a codebook, per questionnaire.

``data`` reads one questionnaire version's responses in wide form, ``codebook`` describes the
variables and their codes, ``formats`` writes the files and ``views`` serves them at
``/export/<questionnaire>.<format>``.
"""
