"""ShopMind docgen service: project plans, requirement and design docs and status reports generated from live project data."""

__version__ = "0.1.0"
