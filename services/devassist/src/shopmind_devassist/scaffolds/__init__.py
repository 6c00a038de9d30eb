"""Parameterised scaffolds in the suite's own layout: a service, a consumer stage, a recommender."""
