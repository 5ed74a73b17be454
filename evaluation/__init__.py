"""Evaluation: answerers, answer extraction, metrics (plain Python; its own issue builds the rest).

For now it holds the lexical answerer that the quality report uses as a question-only baseline.
"""
