"""Labelled data, fitting, threshold selection and evaluation of the router model."""
