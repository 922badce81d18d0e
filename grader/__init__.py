"""Gradient-exercise autograder.

Importing the package loads nothing heavy: the web application is built by
`grader.app.create_app`, the command line lives in `grader.cli`, the grading library in
`grader.engine`.
"""
