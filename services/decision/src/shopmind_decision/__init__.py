"""ShopMind decision service: purchase propensity and demand trends with explanations."""

__version__ = "0.1.0"
