"""ShopMind decision service: purchase propensity and demand trends with XGBoost and per-feature explanations."""

__version__ = "0.1.0"
